//! Day-length factors of the DMC (L_e) and DC (L_f) by month and latitude band.
//!
//! The 46°N columns are Van Wagner (1987) Tables 1 and 2; the other bands are the adjustments
//! of Lawson & Armitage (2008), *Weather guide for the CFFDRS*, as applied by cffdrs. The band
//! boundaries matter for China: counties at or south of 30°N use the 20°N DMC table.

/// DMC effective day length L_e (hours) for a month (1–12) and latitude (°N positive).
pub fn dmc_day_length(latitude: f64, month: u8) -> f64 {
    const NORTH_46: [f64; 12] = [
        6.5, 7.5, 9.0, 12.8, 13.9, 13.9, 12.4, 10.9, 9.4, 8.0, 7.0, 6.0,
    ];
    const NORTH_20: [f64; 12] = [7.9, 8.4, 8.9, 9.5, 9.9, 10.2, 10.1, 9.7, 9.1, 8.6, 8.1, 7.8];
    const SOUTH_20: [f64; 12] = [10.1, 9.6, 9.1, 8.5, 8.1, 7.8, 7.9, 8.3, 8.9, 9.4, 9.9, 10.2];
    const SOUTH_40: [f64; 12] = [
        11.5, 10.5, 9.2, 7.9, 6.8, 6.2, 6.5, 7.4, 8.7, 10.0, 11.2, 11.8,
    ];
    const EQUATORIAL: f64 = 9.0;
    let m = month_index(month);
    if latitude > 30.0 {
        NORTH_46[m]
    } else if latitude > 10.0 {
        NORTH_20[m]
    } else if latitude > -10.0 {
        EQUATORIAL
    } else if latitude > -30.0 {
        SOUTH_20[m]
    } else {
        SOUTH_40[m]
    }
}

/// DC day-length adjustment L_f for a month (1–12) and latitude (°N positive).
pub fn dc_day_length(latitude: f64, month: u8) -> f64 {
    const NORTH: [f64; 12] = [
        -1.6, -1.6, -1.6, 0.9, 3.8, 5.8, 6.4, 5.0, 2.4, 0.4, -1.6, -1.6,
    ];
    const SOUTH: [f64; 12] = [
        6.4, 5.0, 2.4, 0.4, -1.6, -1.6, -1.6, -1.6, -1.6, 0.9, 3.8, 5.8,
    ];
    const EQUATORIAL: f64 = 1.4;
    let m = month_index(month);
    if latitude > 20.0 {
        NORTH[m]
    } else if latitude > -20.0 {
        EQUATORIAL
    } else {
        SOUTH[m]
    }
}

/// Month 1–12 to a table index; out-of-range months (refused earlier by `DayContext`) clamp.
fn month_index(month: u8) -> usize {
    usize::from(month.clamp(1, 12) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn southern_china_uses_the_20n_dmc_table_and_the_northern_dc_table() {
        // Guangzhou, 23°N, July.
        assert_eq!(dmc_day_length(23.1, 7), 10.1);
        assert_eq!(dc_day_length(23.1, 7), 6.4);
        // Jizhou, 40°N, July: the Canadian standard tables.
        assert_eq!(dmc_day_length(40.0, 7), 12.4);
        assert_eq!(dc_day_length(40.0, 7), 6.4);
    }

    #[test]
    fn band_edges_follow_cffdrs() {
        assert_eq!(dmc_day_length(30.0, 1), 7.9);
        assert_eq!(dmc_day_length(10.0, 1), 9.0);
        assert_eq!(dmc_day_length(-10.0, 1), 10.1);
        assert_eq!(dmc_day_length(-30.0, 1), 11.5);
        assert_eq!(dc_day_length(20.0, 1), 1.4);
        assert_eq!(dc_day_length(-20.0, 1), 6.4);
    }
}
