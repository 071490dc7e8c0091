//! Real QR images: the PNG `dwp issue` writes is read back by the rxing decoder,
//! also after downscaling, mild blur and JPEG re-encoding.

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage};

use crate::common::*;

#[test]
fn the_issued_png_and_its_degraded_copies_decode_to_the_same_payload() {
    let f = Fixture::new();
    let permit = write(f.dir.path(), "permit.json", SAMPLE);
    let png = f.path("permit.png");
    let svg = f.path("permit.svg");
    let (png_arg, svg_arg) = (png.to_string_lossy(), svg.to_string_lossy());
    let out = f.issue_cli(
        &permit,
        &["--png", &png_arg, "--svg", &svg_arg, "--created", "2026-11-24T03:00:00Z", "--status-index", "94567"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let payload = stdout(&out).trim().to_string();
    assert!(std::fs::read_to_string(&svg).expect("svg").starts_with("<?xml"), "an SVG is written");

    let original = image::open(&png).expect("the PNG opens").to_luma8();
    let half = imageops::resize(&original, original.width() / 2, original.height() / 2, FilterType::Triangle);
    let third = imageops::resize(&original, original.width() * 3 / 8, original.height() * 3 / 8, FilterType::Lanczos3);
    let blurred = imageops::blur(&original, 1.5);
    let blurred_small = imageops::blur(&half, 0.8);
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("original PNG", std::fs::read(&png).expect("png")),
        ("downscaled to 1/2", png_bytes(&half)),
        ("downscaled to 3/8", png_bytes(&third)),
        ("blurred (sigma 1.5)", png_bytes(&blurred)),
        ("downscaled and blurred", png_bytes(&blurred_small)),
        ("JPEG quality 60", jpeg_bytes(&original, 60)),
        ("downscaled JPEG quality 40", jpeg_bytes(&half, 40)),
        ("blurred JPEG quality 50", jpeg_bytes(&DynamicImage::ImageLuma8(blurred.clone()).to_luma8(), 50)),
    ];
    for (name, bytes) in variants {
        let decoded = dwp::scan::payload_from_image_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        assert_eq!(decoded, payload, "{name}");
        let ext = if bytes.starts_with(&[0xff, 0xd8]) { "jpg" } else { "png" };
        let file = f.path(&format!("variant.{ext}"));
        std::fs::write(&file, &bytes).expect("write variant");
        let (code, v) = {
            let out = dwp(&[
                "verify",
                "--trust",
                &f.trust(),
                "--root",
                &f.root(),
                "--now",
                "2027-01-01T00:00:00Z",
                "--json",
                "--image",
                &file.to_string_lossy(),
            ]);
            (code(&out), serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap_or_default())
        };
        assert_eq!(code, 0, "{name}: {v}");
        assert_eq!(v["permit"]["permitNumber"], "WP-2569-21-000123", "{name}");
    }
}

#[test]
fn an_image_without_a_qr_code_cannot_be_read() {
    let f = Fixture::new();
    let blank = GrayImage::from_pixel(200, 200, image::Luma([255]));
    let file = f.path("blank.png");
    std::fs::write(&file, png_bytes(&blank)).expect("write");
    let out = dwp(&["verify", "--trust", &f.trust(), "--root", &f.root(), "--image", &file.to_string_lossy()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("no QR code found"), "{}", stderr(&out));
    let not_image = write(f.dir.path(), "text.png", "not an image");
    let out = dwp(&["verify", "--trust", &f.trust(), "--root", &f.root(), "--image", &not_image]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("image"), "{}", stderr(&out));
}

#[test]
fn the_fee_png_and_svg_carry_the_thai_qr_payment_byte_for_byte() {
    use dwp_issuer::thaiqr::{BillPayment, BillerId, Reference};
    let bill = BillPayment::new(
        BillerId::parse("099400016550100").expect("biller"),
        Reference::parse("123456789012").expect("ref1"),
        Reference::parse("670429").expect("ref2"),
        364_922,
    )
    .expect("bill");
    let payload = bill.encode();
    let qr = dwp_issuer::qr::Qr::payment(&payload).expect("fee QR");
    let png = qr.png(8).expect("fee.png");
    let decoded = dwp::scan::payload_from_image_bytes(&png).expect("the fee PNG decodes");
    assert_eq!(decoded, payload);
    assert_eq!(BillPayment::parse(&decoded), Ok(bill));
    let half =
        imageops::resize(&image::load_from_memory(&png).expect("png").to_luma8(), 120, 120, FilterType::Triangle);
    assert_eq!(dwp::scan::payload_from_image_bytes(&png_bytes(&half)).expect("downscaled"), payload);
    assert!(qr.svg().starts_with("<?xml"), "fee.svg is an SVG document");
}
