use proptest::prelude::*;

use super::*;

/// The state-enterprise bill: biller 099400016550100, Ref1 123456789012, Ref2 670429, 3,649.22 THB.
const BILL: &str =
    "00020101021230650016A00000067701011201150994000165501000212123456789012030667042953037645802TH54073649.2263044534";
/// A PromptPay transfer of 20.15 THB to the mobile number 080-111-1111.
const PROMPTPAY: &str = "00020101021229370016A0000006770101110113006680111111153037645802TH540520.15630442BE";

fn bill() -> BillPayment {
    BillPayment::new(
        BillerId::parse("099400016550100").expect("biller"),
        Reference::parse("123456789012").expect("ref1"),
        Reference::parse("670429").expect("ref2"),
        364_922,
    )
    .expect("bill")
}

/// `body` (everything before `6304`) with its correct CRC appended.
fn with_crc(body: &str) -> String {
    let text = format!("{body}6304");
    format!("{text}{:04X}", tlv::crc(&text))
}

#[test]
fn encodes_the_published_bill_payment_byte_for_byte() {
    assert_eq!(bill().encode(), BILL);
}

#[test]
fn parses_the_published_bill_payment() {
    let parsed = BillPayment::parse(BILL).expect("the published bill parses");
    assert_eq!(parsed, bill());
    assert_eq!(parsed.biller_id().tax_id(), "0994000165501");
    assert_eq!(parsed.biller_id().suffix(), "00");
    assert_eq!(parsed.ref1().as_str(), "123456789012");
    assert_eq!(parsed.ref2().as_str(), "670429");
    assert_eq!(parsed.amount_satang(), 364_922);
}

#[test]
fn parses_the_published_promptpay_transfer() {
    let ThaiQr::PromptPay(p) = parse(PROMPTPAY).expect("the published transfer parses") else {
        panic!("a PromptPay transfer");
    };
    assert_eq!(p.target(), &PromptPayTarget::Mobile("0066801111111".into()));
    assert_eq!(p.amount_satang(), Some(2015));
    assert_eq!(p.initiation(), Initiation::OneTime);
    assert_eq!(BillPayment::parse(PROMPTPAY), Err(ParseError::NotBillPayment));
}

#[test]
fn parses_a_promptpay_transfer_to_an_id_without_an_amount() {
    let mut account = String::new();
    tlv::push(&mut account, 0, PROMPTPAY_AID);
    tlv::push(&mut account, 2, "1234567890123");
    let qr = with_crc(&format!("000201010211{}{account}53037645802TH", format_args!("29{:02}", account.len())));
    let ThaiQr::PromptPay(p) = parse(&qr).expect("parses") else { panic!("PromptPay") };
    assert_eq!(p.target(), &PromptPayTarget::IdNumber("1234567890123".into()));
    assert_eq!(p.amount_satang(), None);
    assert_eq!(p.initiation(), Initiation::Static);
}

#[test]
fn refuses_a_bad_crc_naming_expected_and_found() {
    let forged = format!("{}FFFF", &PROMPTPAY[..PROMPTPAY.len() - 4]);
    assert_eq!(parse(&forged), Err(ParseError::Crc { expected: 0x42BE, found: 0xFFFF }));
    let msg = parse(&forged).expect_err("refused").to_string();
    assert!(msg.contains("FFFF") && msg.contains("42BE"), "{msg}");
    // One changed digit of the amount is caught by the CRC.
    let changed = BILL.replace("3649.22", "3649.23");
    assert!(matches!(parse(&changed), Err(ParseError::Crc { found: 0x4534, .. })), "{:?}", parse(&changed));
}

#[test]
fn refuses_a_crc_that_is_not_last_or_not_hex() {
    assert_eq!(parse(&format!("{}XYZW", &BILL[..BILL.len() - 4])), Err(ParseError::CrcField));
    let crc_first = format!("0002016304{}{}", &BILL[16..20], &BILL[6..BILL.len() - 8]);
    assert_eq!(parse(&crc_first), Err(ParseError::CrcField));
    assert_eq!(parse(&BILL[..BILL.len() - 8]), Err(ParseError::MissingTag { template: None, tag: 63 }));
}

#[test]
fn refuses_a_length_that_runs_past_the_end() {
    let cut = &BILL[..BILL.len() - 2];
    assert_eq!(parse(cut), Err(ParseError::LengthPastEnd { tag: 63, at: BILL.len() - 8, length: 4, left: 2 }));
    // Inside a template: tag 30 is whole but its Ref2 says 07 characters where 06 are left.
    let inner = with_crc(&BILL[..BILL.len() - 8].replace("0306670429", "0307670429"));
    assert_eq!(parse(&inner), Err(ParseError::LengthPastEnd { tag: 3, at: 71, length: 7, left: 6 }));
    assert_eq!(parse("000201010"), Err(ParseError::Truncated { at: 6 }));
}

#[test]
fn refuses_non_digit_tags_and_lengths() {
    assert_eq!(parse(&with_crc("00020101A212")), Err(ParseError::NonDigitLength { tag: 1, at: 8 }));
    assert_eq!(parse(&with_crc("000201X10212")), Err(ParseError::NonDigitTag { at: 6 }));
    assert_eq!(parse("000201 10212"), Err(ParseError::NonDigitTag { at: 6 }));
}

#[test]
fn refuses_duplicate_tags() {
    let twice = with_crc(&BILL[..BILL.len() - 8].replace("5802TH", "5802TH5802TH"));
    assert_eq!(parse(&twice), Err(ParseError::DuplicateTag { template: None, tag: 58 }));
    let mut account = String::new();
    for (tag, value) in [(0, BILL_PAYMENT_AID), (1, "099400016550100"), (2, "A1"), (2, "B2"), (3, "C3")] {
        tlv::push(&mut account, tag, value);
    }
    let qr = with_crc(&format!("00020101021230{:02}{account}53037645802TH54041.00", account.len()));
    assert_eq!(parse(&qr), Err(ParseError::DuplicateTag { template: Some(30), tag: 2 }));
}

#[test]
fn refuses_missing_mandatory_tags() {
    let body = &BILL[..BILL.len() - 8];
    for (tag, field) in [(53, "5303764"), (58, "5802TH"), (54, "54073649.22"), (1, "010212")] {
        let without = with_crc(&body.replacen(field, "", 1));
        assert_eq!(parse(&without), Err(ParseError::MissingTag { template: None, tag }), "without tag {tag}");
    }
    let without_ref2 = with_crc(&body.replace("30650016", "30550016").replace("0306670429", ""));
    assert_eq!(parse(&without_ref2), Err(ParseError::MissingTag { template: Some(30), tag: 3 }));
    let no_account = with_crc(&body.replace(&body[12..81], ""));
    assert_eq!(parse(&no_account), Err(ParseError::Accounts));
    assert_eq!(parse(&with_crc("010212")), Err(ParseError::PayloadFormat));
}

#[test]
fn refuses_unknown_templates() {
    let body = &BILL[..BILL.len() - 8];
    let other_aid = with_crc(&body.replace(BILL_PAYMENT_AID, "A000000677010113"));
    assert_eq!(parse(&other_aid), Err(ParseError::UnknownTemplate { tag: 30 }));
    let other_tag = with_crc(&body.replacen("3065", "3165", 1));
    assert_eq!(parse(&other_tag), Err(ParseError::UnknownTemplate { tag: 31 }));
    let sub = with_crc(&body.replace("30650016", "30750016").replace("0306670429", "03066704290406ABCDEF"));
    assert_eq!(parse(&sub), Err(ParseError::UnknownSubTag { template: 30, tag: 4 }));
    let both = with_crc(&format!("{}{}{}", &body[..12], &PROMPTPAY[12..53], &body[12..]));
    assert_eq!(parse(&both), Err(ParseError::Accounts));
}

#[test]
fn refuses_references_billers_and_amounts_not_of_their_form() {
    let body = &BILL[..BILL.len() - 8];
    let cases = [
        ("0212123456789012", "0212abcdef789012", Field::Ref1, FieldError::Reference),
        ("0306670429", "03066704-9", Field::Ref2, FieldError::Reference),
        ("0115099400016550100", "011509940001655010A", Field::BillerId, FieldError::BillerId),
        ("54073649.22", "540636.922", Field::Amount, FieldError::AmountFormat),
        ("54073649.22", "5407+649.22", Field::Amount, FieldError::AmountFormat),
        ("54073649.22", "54043649", Field::Amount, FieldError::AmountFormat),
        ("54073649.22", "54040.00", Field::Amount, FieldError::AmountRange),
    ];
    for (from, to, field, error) in cases {
        let qr = with_crc(&body.replace(from, to));
        assert_eq!(parse(&qr), Err(ParseError::Field { field, error }), "{to}");
    }
    let long_ref = with_crc(&body.replace("30650016", "30800016").replace("0306670429", "0321ABCDEFGHIJKLMNOPQRSTU"));
    assert_eq!(parse(&long_ref), Err(ParseError::Field { field: Field::Ref2, error: FieldError::Reference }));
}

#[test]
fn refuses_a_static_bill_payment_and_other_currencies() {
    let body = &BILL[..BILL.len() - 8];
    assert_eq!(parse(&with_crc(&body.replace("010212", "010211"))), Err(ParseError::StaticBillPayment));
    assert_eq!(parse(&with_crc(&body.replace("010212", "010213"))), Err(ParseError::Initiation));
    assert_eq!(parse(&with_crc(&body.replace("5303764", "5303840"))), Err(ParseError::Currency));
    assert_eq!(parse(&with_crc(&body.replace("5802TH", "5802LA"))), Err(ParseError::Country));
    assert_eq!(parse("000201é"), Err(ParseError::NotAscii { at: 6 }));
    assert_eq!(parse(&"0".repeat(513)), Err(ParseError::TooLong { len: 513 }));
}

#[test]
fn ignores_fields_a_payment_does_not_need() {
    let named = with_crc(&format!("{}5914DOE BANGKOK TH6007BANGKOK", &BILL[..BILL.len() - 8]));
    assert_eq!(BillPayment::parse(&named), Ok(bill()));
}

#[test]
fn field_values_are_checked_by_their_constructors() {
    assert_eq!(BillerId::parse("09940001655010"), Err(FieldError::BillerId));
    assert_eq!(Reference::parse(""), Err(FieldError::Reference));
    assert_eq!(Reference::parse(&"A".repeat(21)), Err(FieldError::Reference));
    assert!(Reference::parse(&"A".repeat(20)).is_ok());
    let b = bill();
    let new = |amount| BillPayment::new(b.biller_id().clone(), b.ref1().clone(), b.ref2().clone(), amount);
    assert_eq!(new(0), Err(FieldError::AmountRange));
    assert_eq!(new(MAX_AMOUNT_SATANG + 1), Err(FieldError::AmountRange));
    assert!(new(MAX_AMOUNT_SATANG).is_ok());
    assert_eq!(parse_amount("9999999999.99"), Ok(MAX_AMOUNT_SATANG));
    assert_eq!(parse_amount("00000000000000000000001.00"), Ok(100));
    assert_eq!(parse_amount("99999999999999999999999.00"), Err(FieldError::AmountRange));
    assert_eq!(format_amount(5), "0.05");
}

fn reference() -> impl Strategy<Value = Reference> {
    "[A-Z0-9]{1,20}".prop_map(|s| Reference::parse(&s).expect("reference"))
}

proptest! {
    #[test]
    fn parse_of_encode_is_the_bill(
        biller in "[0-9]{15}",
        ref1 in reference(),
        ref2 in reference(),
        amount in 1..=MAX_AMOUNT_SATANG,
    ) {
        let bill = BillPayment::new(BillerId::parse(&biller).expect("biller"), ref1, ref2, amount).expect("bill");
        let payload = bill.encode();
        prop_assert_eq!(parse(&payload), Ok(ThaiQr::BillPayment(bill)));
    }

    #[test]
    fn parse_never_panics(s in "[0-9A-Z.]{0,120}") {
        let _ = parse(&s);
    }
}
