//! A QR code as a view model for an inline SVG: one path of dark modules, so the template draws
//! it with escaped attributes only, and it stays sharp at any size on a projector.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of light margin around the code, as the standard asks.
const QUIET_ZONE: usize = 4;

pub struct QrSvg {
    /// Width and height of the view box, in modules, margin included.
    pub size: usize,
    /// `M x y h1 v1 h-1 z` for every dark module.
    pub path: String,
}

/// The code for `text`, or `None` if it is too long for a QR code.
pub fn qr_svg(text: &str) -> Option<QrSvg> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(QrSvg { size: width + 2 * QUIET_ZONE, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_link_becomes_a_square_path_with_a_quiet_zone() {
        let qr = qr_svg("https://lab.school.kr/join?code=KM47XP").expect("fits");
        assert!(qr.size >= 21 + 8);
        assert!(qr.path.starts_with("M4 4h1v1h-1z"), "the finder pattern's corner is dark");
        assert!(qr.path.chars().all(|c| c.is_ascii_digit() || "Mhvz- ".contains(c)));
    }
}
