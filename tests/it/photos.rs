//! Photos and screenshots of permit QR codes (see the module body).
