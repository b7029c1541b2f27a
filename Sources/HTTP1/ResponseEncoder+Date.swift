extension ResponseEncoder {
    /// The IMF-fixdate (RFC 9110 §5.6.7) for a unix time in seconds, e.g.
    /// `Sun, 06 Nov 1994 08:49:37 GMT`, computed without Foundation. Servers cache it per second.
    public static func httpDate(unixSeconds: Int) -> [UInt8] {
        var out: [UInt8] = []
        httpDate(unixSeconds: unixSeconds, into: &out)
        return out
    }

    /// Replaces the contents of `out` with the IMF-fixdate of `unixSeconds`, in its own storage
    /// when nothing else holds it (a cache refreshed every second then allocates nothing).
    public static func httpDate(unixSeconds: Int, into out: inout [UInt8]) {
        let days = unixSeconds >= 0 ? unixSeconds / 86400 : (unixSeconds - 86399) / 86400
        let secondOfDay = unixSeconds - days * 86400
        // 1970-01-01 was a Thursday.
        let weekday = ((days % 7) + 11) % 7  // 0 = Sunday
        let (year, month, day) = civilDate(daysSinceEpoch: days)

        let weekdays: StaticString = "SunMonTueWedThuFriSat"
        let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(29)
        out.append(contentsOf: UnsafeBufferPointer(start: weekdays.utf8Start + weekday * 3, count: 3))
        out.append(", ")
        appendTwoDigits(day, into: &out)
        out.append(ByteClass.sp)
        out.append(contentsOf: UnsafeBufferPointer(start: months.utf8Start + (month - 1) * 3, count: 3))
        out.append(ByteClass.sp)
        let shownYear = max(0, min(9999, year))
        appendTwoDigits(shownYear / 100, into: &out)
        appendTwoDigits(shownYear % 100, into: &out)
        out.append(ByteClass.sp)
        appendTwoDigits(secondOfDay / 3600, into: &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay / 60 % 60, into: &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay % 60, into: &out)
        out.append(" GMT")
    }

    /// Proleptic Gregorian year, month (1...12) and day (1...31) of a day count since 1970-01-01
    /// (H. Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func appendTwoDigits(_ value: Int, into out: inout [UInt8]) {
        out.append(48 &+ UInt8(truncatingIfNeeded: value / 10))
        out.append(48 &+ UInt8(truncatingIfNeeded: value % 10))
    }
}
