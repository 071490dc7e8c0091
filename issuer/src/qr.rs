//! QR images of payloads: PNG, SVG and terminal text. Permits are at error
//! correction level Q (25 % of the symbol may be lost), which survives the
//! scratches and glare of a phone screen in a factory; payment QRs
//! ([`Qr::payment`], the fee's `fee.png` and `fee.svg`) are at level M, as
//! Thai banking apps make and expect them.

use image::{ImageEncoder, Luma};
use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode, Version};

/// Why a QR code could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The payload does not fit a version-40 symbol at its error correction level.
    #[error("the payload is too long for a QR code")]
    TooLong,
    /// PNG encoding failed.
    #[error("PNG encoding failed")]
    Png,
}

/// A QR symbol of one payload.
pub struct Qr {
    code: QrCode,
}

impl Qr {
    /// Encodes `payload` at level Q in the smallest version that holds it.
    ///
    /// # Errors
    /// [`QrError::TooLong`] if no version holds it.
    pub fn new(payload: &str) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::Q).map_err(|_| QrError::TooLong)?;
        Ok(Qr { code })
    }

    /// Encodes a Thai QR Payment payload ([`crate::thaiqr`]) at level M (15 % may be lost).
    ///
    /// # Errors
    /// [`QrError::TooLong`] if no version holds it.
    pub fn payment(payload: &str) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|_| QrError::TooLong)?;
        Ok(Qr { code })
    }

    /// The symbol version (1–40).
    pub fn version(&self) -> i16 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => v,
        }
    }

    /// Modules on a side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.code.width()
    }

    /// A PNG with `scale` pixels a module and a four-module quiet zone.
    ///
    /// # Errors
    /// [`QrError::Png`] if encoding fails.
    pub fn png(&self, scale: u32) -> Result<Vec<u8>, QrError> {
        let img = self.code.render::<Luma<u8>>().quiet_zone(true).module_dimensions(scale, scale).build();
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::L8)
            .map_err(|_| QrError::Png)?;
        Ok(out)
    }

    /// An SVG document.
    pub fn svg(&self) -> String {
        self.code.render::<svg::Color<'_>>().quiet_zone(true).min_dimensions(300, 300).build()
    }

    /// Text for a terminal, two modules a character cell (dark on light).
    pub fn terminal(&self) -> String {
        self.code
            .render::<unicode::Dense1x2>()
            .dark_color(unicode::Dense1x2::Light)
            .light_color(unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build()
    }
}

/// The alphanumeric capacity of a QR version at level Q (ISO/IEC 18004 table 7), for versions 1–40.
pub fn alphanumeric_capacity_q(version: i16) -> Option<usize> {
    const CAP: [usize; 40] = [
        16, 29, 47, 67, 87, 108, 125, 157, 189, 221, 259, 296, 352, 376, 426, 470, 531, 574, 644, 702, 742, 823, 890,
        963, 1041, 1094, 1172, 1263, 1322, 1429, 1499, 1618, 1700, 1787, 1867, 1966, 2071, 2181, 2298, 2420,
    ];
    CAP.get(usize::try_from(version).ok()?.checked_sub(1)?).copied()
}
