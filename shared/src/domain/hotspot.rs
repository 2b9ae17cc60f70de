//! A hotspot: a small place chosen for repeated short foot-patrol visits.

use autosurgeon::{Hydrate, Reconcile};
use uuid::Uuid;

/// A position in WGS 84 degrees. Used only for the hotspot's centre, never
/// for an officer: an officer's position is not stored at all.
#[derive(Debug, Clone, Copy, PartialEq, Reconcile, Hydrate)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// Great-circle distance in metres (haversine), good to a few metres at
    /// the scale of a town centre.
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_000.0;
        let (la1, la2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = la2 - la1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

/// The prescribed dosage: how much presence the plan asks for each week.
/// The follow-up compares it with what was delivered (Birmingham and
/// Southend found the two differ a lot unless delivery is tracked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Dosage {
    pub visits_per_week: u64,
    pub minutes_per_week: u64,
}

#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Hotspot {
    pub name: String,
    pub centre: GeoPoint,
    pub radius_m: u64,
    /// First day the hotspot is patrolled, `YYYY-MM-DD`.
    pub active_from: String,
    /// Last day, `YYYY-MM-DD`; none while it is open-ended.
    pub active_to: Option<String>,
    pub dosage: Dosage,
    /// The initiative of the promise plan that patrols here count toward.
    pub initiative_id: Uuid,
    /// The municipality it belongs to (`shared::municipality`), set when
    /// it is made and never moved. Absent in documents made before
    /// municipalities existed: the upgrade writes the first one in.
    #[autosurgeon(missing = "Option::default")]
    pub municipality_id: Option<Uuid>,
    /// Invented data shipped for demonstrations, never real places.
    pub demo: bool,
}

impl Hotspot {
    /// Whether a position lies inside the hotspot's circle. Used once at the
    /// start and once at the end of a visit; only the yes/no is kept.
    pub fn contains(&self, p: &GeoPoint) -> bool {
        self.centre.distance_m(p) <= self.radius_m as f64
    }

    /// The inside-the-area check of a visit's start or end: inside or not
    /// when the phone knows its position, nothing otherwise. The position
    /// itself is never kept.
    pub fn area_check(&self, position: Option<GeoPoint>) -> Option<bool> {
        position.map(|p| self.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_uses_the_radius_in_metres() {
        let h = Hotspot {
            name: "Lilla torget".into(),
            centre: GeoPoint {
                lat: 57.2646,
                lon: 16.4484,
            },
            radius_m: 100,
            active_from: "2025-01-01".into(),
            active_to: None,
            dosage: Dosage {
                visits_per_week: 5,
                minutes_per_week: 60,
            },
            initiative_id: Uuid::nil(),
            demo: true,
            municipality_id: None,
        };
        // About 55 m north: inside. About 220 m north: outside.
        assert!(h.contains(&GeoPoint {
            lat: 57.2651,
            lon: 16.4484
        }));
        assert!(!h.contains(&GeoPoint {
            lat: 57.2666,
            lon: 16.4484
        }));
    }
}
