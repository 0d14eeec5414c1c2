// What the shell shows for an error, and the person's local calendar. The
// core's errors carry field names and codes, never health data.
import Foundation
import PphCore

func describe(_ error: Error) -> String {
    switch error {
    case let PphError.Validation(field, reason): return "Please check \(field): \(reason)"
    case let PphError.NotFound(entity, _): return "That \(entity) is no longer here"
    case PphError.Network: return "No connection; it will be sent later"
    case let PphError.RateLimited(retryAfterS): return "Too many tries; please wait \((retryAfterS + 59) / 60) min"
    case let PphError.Forbidden(reason): return "Not allowed: \(reason)"
    case PphError.Unauthorized: return "Please sign in again"
    default: return "Something went wrong"
    }
}

/// Minutes east of UTC now, as the core stamps entries and completions.
func offsetMinutes(at date: Date = Date(), in zone: TimeZone = .current) -> Int32 {
    Int32(zone.secondsFromGMT(for: date) / 60)
}

extension ISO8601DateFormatter {
    /// The person's local calendar day, as the core expects (YYYY-MM-DD).
    static let localDay: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        f.timeZone = .current
        return f
    }()
}

func localDay(_ date: Date = Date()) -> String {
    ISO8601DateFormatter.localDay.string(from: date)
}
