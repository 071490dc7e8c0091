//! Photos and screenshots of a permit's QR code, as phones produce them: the
//! sample permit's real QR PNG is rotated, seen in perspective, blurred, washed
//! out, unevenly lit, inverted, JPEG-compressed, noisy, small in a large photo,
//! and shown inside an app's screen. Every variant must decode to the payload;
//! the table of results and times is printed with `--nocapture`.

use std::time::Instant;

use image::imageops::{self, FilterType};
use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{Interpolation, Projection, rotate_about_center, warp};

use crate::common::*;

const PAPER: Luma<u8> = Luma([235]);

/// The code on a sheet of paper: a margin of `pad` pixels around it.
fn on_paper(qr: &GrayImage, pad: u32) -> GrayImage {
    let mut page = GrayImage::from_pixel(qr.width() + 2 * pad, qr.height() + 2 * pad, PAPER);
    imageops::overlay(&mut page, qr, i64::from(pad), i64::from(pad));
    page
}

/// A deterministic pseudo-random sequence (no test depends on a seed file).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}

fn noisy(img: &GrayImage, amplitude: i32, seed: u64) -> GrayImage {
    let mut rng = Lcg(seed);
    let mut out = img.clone();
    for p in out.pixels_mut() {
        let n = (rng.next() % (2 * amplitude as u32 + 1)) as i32 - amplitude;
        p.0[0] = (i32::from(p.0[0]) + n).clamp(0, 255) as u8;
    }
    out
}

fn map(img: &GrayImage, f: impl Fn(u32, u32, u8) -> u8) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |x, y| Luma([f(x, y, img.get_pixel(x, y).0[0])]))
}

/// The code seen at an angle: the right edge 70% as tall as the left.
fn perspective(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let from = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let to = [(0.05 * w, 0.02 * h), (0.92 * w, 0.17 * h), (0.95 * w, 0.83 * h), (0.0, 0.98 * h)];
    let p = Projection::from_control_points(from, to).expect("a projection");
    warp(img, &p, Interpolation::Bilinear, PAPER)
}

/// A phone screen (1080 × 2340) of a wallet app: status bar, title, text, buttons, the code in the middle.
fn screenshot(qr: &GrayImage) -> GrayImage {
    let mut screen = GrayImage::from_pixel(1080, 2340, Luma([250]));
    let mut rect = |x: u32, y: u32, w: u32, h: u32, v: u8| {
        for yy in y..y + h {
            for xx in x..x + w {
                screen.put_pixel(xx, yy, Luma([v]));
            }
        }
    };
    rect(0, 0, 1080, 90, 30); // status bar
    rect(0, 90, 1080, 180, 60); // title bar
    for (i, width) in [620u32, 840, 480, 760].iter().enumerate() {
        rect(80, 330 + 70 * i as u32, *width, 36, 120); // lines of text
    }
    rect(80, 1900, 920, 140, 40); // a button
    rect(80, 2080, 920, 140, 200);
    let code = imageops::resize(qr, 700, 700, FilterType::Triangle);
    imageops::overlay(&mut screen, &code, 190, 700);
    screen
}

#[test]
fn photos_and_screenshots_of_the_qr_decode() {
    let f = Fixture::new();
    let permit = write(f.dir.path(), "permit.json", SAMPLE);
    let png_path = f.path("permit.png");
    // Fixed time and index: the same QR on every run, so that the figures compare.
    let out = f.issue_cli(
        &permit,
        &["--png", &png_path.to_string_lossy(), "--created", "2026-11-24T03:00:00Z", "--status-index", "94567"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let payload = stdout(&out).trim().to_string();
    let qr = image::open(&png_path).expect("the PNG opens").to_luma8();
    // A capture at a phone's working size: the code about 600 pixels wide on paper.
    let base = imageops::resize(&qr, 600, 600, FilterType::Triangle);
    let page = on_paper(&base, 80);

    let mut photo = GrayImage::from_pixel(1080, 1920, Luma([180]));
    photo = noisy(&photo, 12, 7);
    let small = imageops::resize(&on_paper(&qr, 16), 170, 170, FilterType::Triangle);
    imageops::overlay(&mut photo, &small, 455, 875);

    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("rotated 10°", png_bytes(&rotate_about_center(&page, 10f32.to_radians(), Interpolation::Bilinear, PAPER))),
        ("rotated 30°", png_bytes(&rotate_about_center(&page, 30f32.to_radians(), Interpolation::Bilinear, PAPER))),
        ("rotated 45°", png_bytes(&rotate_about_center(&page, 45f32.to_radians(), Interpolation::Bilinear, PAPER))),
        ("rotated 90°", png_bytes(&imageops::rotate90(&page))),
        ("upside down", png_bytes(&imageops::rotate180(&page))),
        ("perspective", png_bytes(&perspective(&page))),
        ("blurred, sigma 1", png_bytes(&imageops::blur(&page, 1.0))),
        ("blurred, sigma 2", png_bytes(&imageops::blur(&page, 2.0))),
        ("blurred, sigma 3", png_bytes(&imageops::blur(&page, 3.0))),
        ("low contrast (90 on 170)", png_bytes(&map(&page, |_, _, v| 90 + (u32::from(v) * 80 / 255) as u8))),
        ("uneven light", png_bytes(&map(&page, |x, _, v| (u32::from(v) * (40 + 60 * x / page.width()) / 100) as u8))),
        ("inverted", png_bytes(&map(&page, |_, _, v| 255 - v))),
        ("JPEG quality 20", jpeg_bytes(&page, 20)),
        ("JPEG quality 10", jpeg_bytes(&page, 10)),
        ("noise ±40", png_bytes(&noisy(&page, 40, 11))),
        ("small in a large photo", jpeg_bytes(&photo, 80)),
        ("app screenshot", png_bytes(&screenshot(&qr))),
        ("perspective + blur + JPEG 40", jpeg_bytes(&imageops::blur(&perspective(&page), 1.2), 40)),
        (
            "rotated 20° in perspective, dim",
            jpeg_bytes(
                &map(
                    &perspective(&rotate_about_center(&page, 20f32.to_radians(), Interpolation::Bilinear, PAPER)),
                    |_, _, v| 40 + (u32::from(v) * 120 / 255) as u8,
                ),
                60,
            ),
        ),
        ("blurred, sigma 4", png_bytes(&imageops::blur(&page, 4.0))),
        ("JPEG quality 5", jpeg_bytes(&page, 5)),
        ("noise ±80", png_bytes(&noisy(&page, 80, 13))),
    ];
    let mut failed = Vec::new();
    println!("{:<32} {:>8} {:>9}", "variant", "decoded", "time (ms)");
    for (name, bytes) in &variants {
        let start = Instant::now();
        let result = dwp::scan::payload_from_image_bytes(bytes);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let ok = result.as_deref().ok() == Some(payload.as_str());
        println!("{name:<32} {:>8} {ms:>9.1}", if ok { "yes" } else { "NO" });
        if !ok {
            failed.push(format!("{name}: {result:?}"));
        }
    }
    println!("decoded {} of {} variants", variants.len() - failed.len(), variants.len());
    assert!(failed.is_empty(), "variants not decoded:\n{}", failed.join("\n"));
}
