//! Property tests: any valid permit survives the QR payload unchanged, and the
//! credential the payload expands to is exactly the canonical (JCS) JSON that
//! was signed.

use dwp_verifier::codec;
use dwp_verifier::credential::{Issuance, KeyRef, SignedPermit, StatusRef, signing_input};
use dwp_verifier::ed25519::PublicKey;
use dwp_verifier::multikey;
use dwp_verifier::permit::{
    DocumentInput, EmployerInput, OccupationInput, Permit, PermitInput, WorkerInput, WorkplaceInput,
};
use dwp_verifier::time::UnixTime;
use ed25519_dalek::{Signer, SigningKey};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

fn tidy(s: String, fallback: &str) -> String {
    let s: String = s.nfc().collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() { fallback.to_string() } else { s }
}

fn script_text(max: usize) -> impl Strategy<Value = String> {
    let thai = proptest::collection::vec(
        prop_oneof![Just(' '), (0x0E01u32..0x0E5B).prop_map(|c| char::from_u32(c).unwrap_or('ก'))],
        1..max,
    );
    // Burmese as an issuer accepts it (Unicode order, not Zawgyi's; `script::check_name`):
    // syllables of a consonant, then a medial, vowels and a final in storage order, between
    // spaces, digits and punctuation.
    let syllable = (
        (0x1000u32..=0x1021).prop_map(|c| char::from_u32(c).unwrap_or('က')),
        prop::sample::select(vec![
            "",
            "\u{103B}",
            "\u{103C}",
            "\u{103D}",
            "\u{103E}",
            "\u{103B}\u{103E}",
            "\u{103C}\u{103D}",
        ]),
        prop::sample::select(vec![
            "",
            "\u{1031}",
            "\u{102D}",
            "\u{102F}",
            "\u{102C}",
            "\u{1031}\u{102C}",
            "\u{102D}\u{102F}",
            "\u{1032}",
        ]),
        prop::sample::select(vec![
            "",
            "\u{1004}\u{103A}",
            "\u{1014}\u{103A}\u{1038}",
            "\u{1037}",
            "\u{103A}",
            "\u{1036}",
            "\u{1038}",
        ]),
    )
        .prop_map(|(c, medial, vowel, fin)| format!("{c}{medial}{vowel}{fin}").chars().collect::<Vec<_>>());
    let burmese = proptest::collection::vec(
        prop_oneof![
            Just(vec![' ']),
            (0x1040u32..0x1050).prop_map(|c| vec![char::from_u32(c).unwrap_or('၀')]),
            syllable
        ],
        // At most 8 characters a part: the text stays within `max`.
        1..(max / 8).max(2),
    )
    .prop_map(|parts| parts.concat());
    let khmer = proptest::collection::vec((0x1780u32..0x17DD).prop_map(|c| char::from_u32(c).unwrap_or('ក')), 1..max);
    let lao = proptest::collection::vec((0x0E81u32..0x0EDF).prop_map(|c| char::from_u32(c).unwrap_or('ກ')), 1..max);
    let latin = "[A-Za-z0-9 .,&()'-]{1,60}".prop_map(|s| s.chars().collect::<Vec<_>>());
    let mixed = "[A-Z .]{1,20}[ก-ฮ]{1,20}[ä-ÿ ]{0,10}".prop_map(|s| s.chars().collect::<Vec<_>>());
    prop_oneof![thai, burmese, khmer, lao, latin, mixed].prop_map(|cs| tidy(cs.into_iter().collect(), "X"))
}

fn juristic() -> impl Strategy<Value = String> {
    "[0-9]{12}".prop_map(|d| {
        let c = dwp_verifier::permit::thai_check_digit(d.as_bytes());
        format!("{d}{c}")
    })
}

prop_compose! {
    fn permit_input()(
        number in prop_oneof!["WP-[0-9]{4}-[0-9]{2}-[0-9]{6}", "[A-Z0-9][A-Z0-9-]{2,31}"],
        category in prop::sample::select(vec!["section59", "section62", "section63_1", "section64"]),
        name in "[A-Z][A-Z' -]{0,40}[A-Z]".prop_map(|s| tidy(s, "X")),
        native in proptest::option::of(script_text(60)),
        nationality in prop::sample::select(vec!["MMR", "LAO", "KHM", "VNM", "CHN", "IND", "JPN", "USA", "FRA", "NPL"]),
        doc_country in prop::sample::select(vec!["MMR", "LAO", "KHM", "THA"]),
        birth_day in 0i64..36_000,
        doc_type in prop::sample::select(vec!["passport", "certificate_of_identity", "travel_document", "border_pass", "non_thai_id_card"]),
        doc_number in "[A-Z0-9]{1,20}",
        holder in proptest::option::of(any::<[u8; 32]>()),
        juristic in juristic(),
        employer in script_text(110),
        province in prop::sample::select(vec!["TH-10", "TH-21", "TH-S", "TH-50", "TH-96", "TH-20"]),
        estate in proptest::option::of("[A-Z0-9]{2,10}"),
        isco in prop::sample::select(vec!["7233", "9329", "6111", "5120", "2512", "0110", "9211"]),
        office in prop_oneof!["DOE-[0-9]{2}", "[A-Z0-9-]{2,16}"],
        from in 946_684_800i64..7_000_000_000,
        length in prop_oneof![Just(0i64), 1i64..200_000_000],
        midnight in any::<bool>(),
        end_of_day in any::<bool>(),
    ) -> PermitInput {
        let from = if midnight { from - from.rem_euclid(86_400) + 86_400 } else { from };
        let until = from + 1 + length;
        let until = if end_of_day { until - until.rem_euclid(86_400) + 86_399 } else { until };
        let birth = UnixTime(-2_208_988_800 + birth_day * 86_400).date().to_string();
        let holder_key = holder.map(|seed| multikey::did_key(&SigningKey::from_bytes(&seed).verifying_key().to_bytes()));
        PermitInput {
            permit_number: number,
            category: category.into(),
            worker: WorkerInput {
                name,
                native_name: native,
                nationality: nationality.into(),
                birth_date: birth,
                document: DocumentInput { doc_type: doc_type.into(), number: doc_number, country: doc_country.into() },
                holder_key,
            },
            employer: EmployerInput { juristic_id: juristic, name: employer },
            workplace: WorkplaceInput { province: province.into(), industrial_estate: estate },
            occupation: OccupationInput { isco08: isco.into() },
            issuing_office: office,
            valid_from: UnixTime(from).to_string(),
            valid_until: UnixTime(until.min(7_258_118_399)).to_string(),
        }
    }
}

prop_compose! {
    fn issuance()(
        issuer in prop_oneof![Just("did:web:dwp.doe.go.th".to_string()), "did:web:[a-z]{1,12}\\.go\\.th", "did:web:localhost%3A[0-9]{4}"],
        key in prop_oneof![(0u32..1000).prop_map(KeyRef::Numbered), "did:web:other\\.example#k[0-9]{1,3}".prop_map(KeyRef::Other)],
        created in 946_684_800i64..7_000_000_000,
        shard in 0u32..1_000_000,
        index in 0u32..16_777_216,
    ) -> Issuance {
        Issuance::new(&issuer, key, UnixTime(created), StatusRef { shard, index }).expect("valid issuance")
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn payload_round_trips_and_expands_to_the_signed_canonical_credential(input in permit_input(), iss in issuance(), seed in any::<[u8; 32]>()) {
        // Old enough: the 15th birthday (29 February counting as 1 March) on or before validFrom's date.
        let birth = &input.worker.birth_date;
        let year: i32 = birth[..4].parse().expect("year");
        // Fifteen years after a leap year is a common one: "-02-30" sorts after 28 February, before 1 March.
        let birthday = format!("{:04}{}", year + 15, &birth[4..]).replace("-02-29", "-02-30");
        let birth_ok = birthday.as_str() <= &input.valid_from[..10];
        let permit = match Permit::from_input(&input) {
            Ok(p) => p,
            Err(e) => {
                // The only rule the generator does not respect by construction: the minimum age.
                prop_assert!(!birth_ok, "generated permit refused: {e}");
                return Ok(());
            }
        };
        let key = SigningKey::from_bytes(&seed);
        let sig = key.sign(&signing_input(&permit, &iss)).to_bytes();
        let signed = SignedPermit::new(permit, iss, sig);
        let payload = codec::encode(&signed);
        let decoded = codec::decode(&payload).map_err(|e| TestCaseError::fail(format!("{e} for {payload}")))?;
        prop_assert_eq!(&decoded, &signed);
        prop_assert_eq!(decoded.permit().to_input(), input);
        let json = decoded.credential_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("credential is JSON");
        prop_assert_eq!(serde_json_canonicalizer::to_string(&value).expect("jcs"), json.clone(), "credential JSON is not JCS canonical");
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).expect("key");
        prop_assert!(dwp_verifier::proof::verify_jcs(&value, &public).is_ok(), "the generic eddsa-jcs-2022 verifier refuses the expanded credential");
        prop_assert_eq!(codec::encode(&decoded), payload, "re-encoding changes the payload");
    }
}
