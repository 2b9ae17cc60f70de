//! Today's patrol plan for the home screen: the active hotspots in a
//! randomised order (the trials randomise the visiting order so that
//! presence is unpredictable), each with the dosage delivered today against
//! the prescribed dosage; and the order of the hotspot picker.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::{GeoPoint, Hotspot, Millis, PatrolVisit};

/// One line of today's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanLine {
    pub hotspot_id: Uuid,
    pub name: String,
    pub visits_today: u64,
    pub minutes_today: u64,
    /// The weekly prescription spread over seven days, rounded up.
    pub visits_prescribed: u64,
    pub minutes_prescribed: u64,
}

impl PlanLine {
    pub fn done(&self) -> bool {
        self.visits_today >= self.visits_prescribed && self.minutes_today >= self.minutes_prescribed
    }
}

/// The plan for the day `day` (any stable number for the day, e.g. days
/// since the epoch) on the device `seed`: the same order all day on one
/// phone, a different order tomorrow and on a colleague's phone.
pub fn todays_plan(
    hotspots: &[(Uuid, Hotspot)],
    today_visits: &[PatrolVisit],
    day: i64,
    seed: u64,
    today: &str,
) -> Vec<PlanLine> {
    let mut lines: Vec<PlanLine> = hotspots
        .iter()
        .filter(|(_, h)| {
            h.active_from.as_str() <= today && h.active_to.as_deref().is_none_or(|to| today <= to)
        })
        .map(|(id, h)| {
            // Only what counts (`lifecycle`): a visit under way or
            // discarded is not yet, or never, delivered dosage.
            let mine = today_visits
                .iter()
                .filter(|v| v.hotspot_id == *id && v.state().counts());
            PlanLine {
                hotspot_id: *id,
                name: h.name.clone(),
                visits_today: mine.clone().count() as u64,
                minutes_today: mine
                    .filter_map(|v| v.duration_s())
                    .map(|s| (s.max(0) / 60) as u64)
                    .sum(),
                visits_prescribed: h.dosage.visits_per_week.div_ceil(7),
                minutes_prescribed: h.dosage.minutes_per_week.div_ceil(7),
            }
        })
        .collect();
    lines.sort_by_key(|l| {
        (
            mix(seed ^ (day as u64), l.hotspot_id.as_u128() as u64),
            l.hotspot_id,
        )
    });
    lines
}

/// A fixed, well-mixing hash (splitmix64), so the order is random-looking
/// but reproducible without a random-number generator.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_add(b).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The hotspot picker's order: nearest first when the position is known,
/// otherwise the most recently visited first, then by name.
pub fn picker_order(
    hotspots: &[(Uuid, Hotspot)],
    position: Option<GeoPoint>,
    last_visit: &HashMap<Uuid, Millis>,
) -> Vec<Uuid> {
    let mut v: Vec<&(Uuid, Hotspot)> = hotspots.iter().collect();
    match position {
        Some(p) => v.sort_by(|a, b| {
            a.1.centre
                .distance_m(&p)
                .total_cmp(&b.1.centre.distance_m(&p))
        }),
        None => v.sort_by(|a, b| {
            let (la, lb) = (last_visit.get(&a.0), last_visit.get(&b.0));
            lb.cmp(&la).then_with(|| a.1.name.cmp(&b.1.name))
        }),
    }
    v.into_iter().map(|(id, _)| *id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Dosage;

    fn hotspot(name: &str, lat: f64) -> (Uuid, Hotspot) {
        (
            Uuid::new_v4(),
            Hotspot {
                name: name.into(),
                centre: GeoPoint { lat, lon: 16.45 },
                radius_m: 100,
                active_from: "2024-01-01".into(),
                active_to: None,
                dosage: Dosage {
                    visits_per_week: 7,
                    minutes_per_week: 90,
                },
                initiative_id: Uuid::nil(),
                demo: true,
                municipality_id: None,
            },
        )
    }

    #[test]
    fn the_plan_counts_todays_dosage_and_keeps_its_order_all_day() {
        let hs = vec![hotspot("A", 57.0), hotspot("B", 57.1), hotspot("C", 57.2)];
        let mut v = PatrolVisit::new(hs[1].0, Uuid::nil(), 0);
        v.ended_at = Some(12 * 60_000);
        let plan = todays_plan(&hs, std::slice::from_ref(&v), 100, 1, "2025-03-01");
        let b = plan.iter().find(|l| l.name == "B").expect("B planned");
        assert_eq!(
            (
                b.visits_today,
                b.minutes_today,
                b.visits_prescribed,
                b.minutes_prescribed
            ),
            (1, 12, 1, 13)
        );
        assert!(!b.done());
        // A visit under way and a discarded one add nothing.
        let running = PatrolVisit::new(hs[1].0, Uuid::nil(), 0);
        let mut discarded = v.clone();
        discarded.discarded_at = Some(13 * 60_000);
        let more = [v.clone(), running, discarded];
        let b_more = todays_plan(&hs, &more, 100, 1, "2025-03-01");
        assert_eq!(b_more, plan);
        assert_eq!(plan, todays_plan(&hs, &[v], 100, 1, "2025-03-01"));
        let orders: std::collections::HashSet<Vec<Uuid>> = (0..20)
            .map(|day| {
                todays_plan(&hs, &[], day, 1, "2025-03-01")
                    .iter()
                    .map(|l| l.hotspot_id)
                    .collect()
            })
            .collect();
        assert!(orders.len() > 1, "the order changes from day to day");
    }

    #[test]
    fn inactive_hotspots_are_not_planned() {
        let mut h = hotspot("Old", 57.0);
        h.1.active_to = Some("2024-06-30".into());
        assert!(todays_plan(&[h], &[], 1, 1, "2025-01-01").is_empty());
    }

    #[test]
    fn the_picker_sorts_by_distance_or_by_recency_then_name() {
        let hs = vec![
            hotspot("Ceder", 57.3),
            hotspot("Asp", 57.1),
            hotspot("Björk", 57.2),
        ];
        let near_b = picker_order(
            &hs,
            Some(GeoPoint {
                lat: 57.21,
                lon: 16.45,
            }),
            &HashMap::new(),
        );
        assert_eq!(near_b[0], hs[2].0);
        let by_name = picker_order(&hs, None, &HashMap::new());
        assert_eq!(by_name, vec![hs[1].0, hs[2].0, hs[0].0]);
        let recent = picker_order(&hs, None, &HashMap::from([(hs[0].0, 5)]));
        assert_eq!(recent[0], hs[0].0);
    }
}
