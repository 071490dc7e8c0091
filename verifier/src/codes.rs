//! The code tables of the DWP v1 format: legal categories, identity document
//! types, countries (ISO 3166-1), Thai provinces (ISO 3166-2:TH), occupations
//! (ISCO-08 unit groups) and well-known issuers.
//!
//! The payload carries small numbers; the credential carries the codes and, for
//! occupations, the title. The tables are part of the pinned v1 format
//! (`wallet-spec/tables/`, hashed in `wallet-spec/SPEC.md`): a row may be added
//! in a later version, never changed or removed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Royal Decree on Managing the Work of Foreigners B.E. 2560 (2017): the section a permit is issued under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Section 59: general work permit.
    Section59,
    /// Section 62: work under investment-promotion and industrial-estate laws.
    Section62,
    /// Section 63/1: workers from countries with a memorandum of understanding.
    Section63_1,
    /// Section 64: border-area seasonal work.
    Section64,
}

impl Category {
    /// Every category, in payload-code order.
    pub const ALL: [Category; 4] = [Self::Section59, Self::Section62, Self::Section63_1, Self::Section64];

    /// The code used in JSON (`section62`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Section59 => "section59",
            Self::Section62 => "section62",
            Self::Section63_1 => "section63_1",
            Self::Section64 => "section64",
        }
    }
    /// The number used in the payload.
    pub fn code(self) -> u64 {
        self as u64 + 1
    }
    /// Parses the JSON code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// The category with payload number `n`.
    pub fn from_code(n: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == n)
    }
}

/// The kind of identity document a worker holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentType {
    /// A national passport.
    Passport,
    /// A certificate of identity issued by the worker's country for work abroad.
    CertificateOfIdentity,
    /// A travel document in lieu of a passport.
    TravelDocument,
    /// A border pass (Section 64 work).
    BorderPass,
    /// A Thai identity card for persons without Thai nationality.
    NonThaiIdCard,
}

impl DocumentType {
    /// Every document type, in payload-code order.
    pub const ALL: [DocumentType; 5] =
        [Self::Passport, Self::CertificateOfIdentity, Self::TravelDocument, Self::BorderPass, Self::NonThaiIdCard];

    /// The code used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passport => "passport",
            Self::CertificateOfIdentity => "certificate_of_identity",
            Self::TravelDocument => "travel_document",
            Self::BorderPass => "border_pass",
            Self::NonThaiIdCard => "non_thai_id_card",
        }
    }
    /// The number used in the payload.
    pub fn code(self) -> u64 {
        self as u64 + 1
    }
    /// Parses the JSON code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    /// The document type with payload number `n`.
    pub fn from_code(n: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == n)
    }
}

/// Issuers with a one-byte payload code; any other issuer travels as its DID.
pub const WELL_KNOWN_ISSUERS: [(u64, &str); 1] = [(1, "did:web:dwp.doe.go.th")];

const ISCO08_TSV: &str = include_str!("../../wallet-spec/tables/isco08.tsv");
const COUNTRIES_TSV: &str = include_str!("../../wallet-spec/tables/countries.tsv");
const PROVINCES_TSV: &str = include_str!("../../wallet-spec/tables/provinces-th.tsv");

/// The raw tables, exactly as pinned, for hashing and publication.
pub const TABLES: [(&str, &str); 3] =
    [("isco08.tsv", ISCO08_TSV), ("countries.tsv", COUNTRIES_TSV), ("provinces-th.tsv", PROVINCES_TSV)];

/// A country of ISO 3166-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// Alpha-3 code, e.g. `MMR`.
    pub alpha3: &'static str,
    /// Numeric code, e.g. 104.
    pub numeric: u16,
    /// English short name.
    pub name: &'static str,
}

/// A first-level subdivision of Thailand (ISO 3166-2:TH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Province {
    /// `TH-21`.
    pub code: &'static str,
    /// Payload number: the digits of the code, 0 for `TH-S` (Pattaya).
    pub number: u16,
    /// English name.
    pub name_en: &'static str,
    /// Thai name.
    pub name_th: &'static str,
}

struct Tables {
    isco: BTreeMap<u16, &'static str>,
    countries: Vec<Country>,
    provinces: Vec<Province>,
}

fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines().filter(|l| !l.is_empty()).map(|l| l.split('\t').collect())
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        // The tables are compiled in and checked by tests (`tables_are_well_formed`):
        // a malformed row is a build defect, and is skipped rather than trusted.
        let isco = rows(ISCO08_TSV).filter_map(|r| Some((r.first()?.parse::<u16>().ok()?, *r.get(1)?))).collect();
        let countries = rows(COUNTRIES_TSV)
            .filter_map(|r| Some(Country { alpha3: r.first()?, numeric: r.get(1)?.parse().ok()?, name: r.get(2)? }))
            .collect();
        let provinces = rows(PROVINCES_TSV)
            .filter_map(|r| {
                let code: &'static str = r.first()?;
                let digits = code.strip_prefix("TH-")?;
                let number = if digits == "S" { 0 } else { digits.parse().ok()? };
                Some(Province { code, number, name_en: r.get(1)?, name_th: r.get(2)? })
            })
            .collect();
        Tables { isco, countries, provinces }
    })
}

/// The ISCO-08 unit-group title of a four-digit code.
pub fn isco08_title(code: u16) -> Option<&'static str> {
    tables().isco.get(&code).copied()
}

/// A country by alpha-3 code.
pub fn country_by_alpha3(alpha3: &str) -> Option<Country> {
    tables().countries.iter().copied().find(|c| c.alpha3 == alpha3)
}

/// A country by numeric code.
pub fn country_by_numeric(numeric: u64) -> Option<Country> {
    tables().countries.iter().copied().find(|c| u64::from(c.numeric) == numeric)
}

/// A province by ISO 3166-2 code.
pub fn province_by_code(code: &str) -> Option<Province> {
    tables().provinces.iter().copied().find(|p| p.code == code)
}

/// A province by payload number.
pub fn province_by_number(n: u64) -> Option<Province> {
    tables().provinces.iter().copied().find(|p| u64::from(p.number) == n)
}

/// The payload code of a well-known issuer DID.
pub fn issuer_code(did: &str) -> Option<u64> {
    WELL_KNOWN_ISSUERS.iter().find(|(_, d)| *d == did).map(|(n, _)| *n)
}

/// The DID of a well-known issuer code.
pub fn issuer_by_code(n: u64) -> Option<&'static str> {
    WELL_KNOWN_ISSUERS.iter().find(|(c, _)| *c == n).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_well_formed() {
        for (name, tsv) in TABLES {
            let columns = if name == "isco08.tsv" { 2 } else { 3 };
            for line in tsv.lines() {
                assert_eq!(line.split('\t').count(), columns, "{name}: {line:?}");
                assert!(unicode_normalization::is_nfc(line), "{name}: {line:?}");
            }
        }
        let t = tables();
        assert_eq!(t.isco.len(), 436, "ISCO-08 has 436 unit groups");
        assert_eq!(t.countries.len(), 249, "ISO 3166-1 has 249 countries");
        assert_eq!(t.provinces.len(), 78, "76 provinces, Bangkok and Pattaya");
        assert_eq!(isco08_title(7233), Some("Agricultural and Industrial Machinery Mechanics and Repairers"));
        assert_eq!(country_by_alpha3("MMR").map(|c| c.numeric), Some(104));
        assert_eq!(province_by_code("TH-21").map(|p| p.name_en), Some("Rayong"));
        let mut numbers: Vec<u16> = t.countries.iter().map(|c| c.numeric).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 249, "numeric country codes are unique");
    }
}
