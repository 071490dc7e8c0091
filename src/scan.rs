//! Reading a QR code from a photo or screenshot (PNG or JPEG) with rxing.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use rxing::{BarcodeFormat, DecodeHints};

/// Largest image file accepted.
pub const MAX_IMAGE_BYTES: u64 = 32 * 1024 * 1024;
/// Largest image accepted, in pixels, so that a small file cannot inflate to gigabytes.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Decodes the QR code in an image file and returns its text.
pub fn payload_from_image(path: &Path) -> Result<String> {
    let bytes = crate::files::read_bytes(path, "image", MAX_IMAGE_BYTES)?;
    payload_from_image_bytes(&bytes).with_context(|| format!("reading a QR code from {}", path.display()))
}

/// Decodes the QR code in PNG or JPEG bytes.
pub fn payload_from_image_bytes(bytes: &[u8]) -> Result<String> {
    let reader =
        image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().context("unknown image format")?;
    let (w, h) = reader.into_dimensions().context("not a PNG or JPEG image")?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        bail!("image is {w}×{h} pixels, more than {MAX_PIXELS}");
    }
    let img = image::load_from_memory(bytes).context("not a PNG or JPEG image")?;
    let luma = img.to_luma8();
    let (width, height) = luma.dimensions();
    let mut hints = DecodeHints { TryHarder: Some(true), AlsoInverted: Some(true), ..Default::default() };
    let result = rxing::helpers::detect_in_luma_with_hints(
        luma.into_raw(),
        width,
        height,
        Some(BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .map_err(|e| anyhow!("no QR code found ({e})"))?;
    Ok(result.getText().to_string())
}
