//! The demand the simulation plays: deterministic for a seed, the same for every behaviour
//! compared. Each store and product has an expected daily demand (the product's popularity by
//! rank times the store's size), moved by a 30-day season with the product's own phase and by
//! the day of the week, and drawn as a Poisson count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use std::f64::consts::TAU;

/// Demand on each day of the week, Monday first (day 0 of the simulation is a Monday).
const WEEKDAY: [f64; 7] = [0.85, 0.9, 0.95, 1.0, 1.15, 1.45, 0.7];
/// How far the season moves demand above and below its mean.
const SEASON_AMPLITUDE: f64 = 0.35;
/// The season's length, in days.
const SEASON_DAYS: f64 = 30.0;
/// Units a day the most popular product sells in a store of size 1.
const TOP_DAILY: f64 = 6.0;

/// The world's demand: `stores` × `products`, from `seed`.
#[derive(Debug, Clone)]
pub struct Demand {
    seed: u64,
    /// Store sizes, 0.6 to 1.4.
    store_size: Vec<f64>,
    /// Each product's phase in the season, radians.
    phase: Vec<f64>,
}

impl Demand {
    pub fn new(seed: u64, stores: usize, products: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let store_size = (0..stores).map(|_| 0.6 + 0.8 * rng.random::<f64>()).collect();
        let phase = (0..products).map(|_| TAU * rng.random::<f64>()).collect();
        Self { seed, store_size, phase }
    }

    pub fn stores(&self) -> usize {
        self.store_size.len()
    }

    pub fn products(&self) -> usize {
        self.phase.len()
    }

    /// Units a day store `s` sells of product `p` on average (both from 0): what a planner
    /// knows, without the season, the weekday or the noise.
    pub fn expected(&self, s: usize, p: usize) -> f64 {
        TOP_DAILY / (1.0 + p as f64 / 25.0) * self.store_size[s]
    }

    /// The mean of day `day`'s demand for store `s` and product `p`.
    pub fn mean(&self, day: u32, s: usize, p: usize) -> f64 {
        let season = 1.0 + SEASON_AMPLITUDE * (TAU * f64::from(day) / SEASON_DAYS + self.phase[p]).sin();
        self.expected(s, p) * season * WEEKDAY[day as usize % 7]
    }

    /// Day `day`'s demand, by store then product: the same for the same seed and day, whatever
    /// was drawn before.
    pub fn day(&self, day: u32) -> Vec<Vec<i64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ (u64::from(day) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        (0..self.stores())
            .map(|s| {
                (0..self.products())
                    .map(|p| match Poisson::new(self.mean(day, s, p)) {
                        Ok(poisson) => poisson.sample(&mut rng) as i64,
                        Err(_) => 0,
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_days_and_another_seed_other_ones() {
        let a = Demand::new(7, 3, 50);
        assert_eq!(a.day(4), Demand::new(7, 3, 50).day(4));
        assert_ne!(a.day(4), Demand::new(8, 3, 50).day(4));
        assert_ne!(a.day(4), a.day(5));
    }

    #[test]
    fn popular_products_and_saturdays_sell_more() {
        let d = Demand::new(1, 2, 100);
        assert!(d.expected(0, 0) > 10.0 * d.expected(0, 99) / 5.0);
        let (friday, saturday) = (d.mean(4, 0, 0), d.mean(5, 0, 0));
        let season = |day: u32| d.mean(day, 0, 0) / WEEKDAY[day as usize % 7];
        assert!((saturday / season(5)) > (friday / season(4)), "Saturday is the busiest day");
        let total: i64 = (0..28).map(|day| d.day(day)[0][0]).sum();
        let expected = 28.0 * d.expected(0, 0);
        assert!((total as f64 - expected).abs() < 0.3 * expected, "{total} units for about {expected}");
    }
}
