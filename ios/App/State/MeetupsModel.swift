// A group's meetups: answers and places (going or waitlisted), scheduling
// one (facilitators), and counting attendance as a care-plan completion.
// Mirrors android's MeetupsState.
import Combine
import Foundation
import PphCore

struct MeetupsUi: Equatable {
    var meetups: [MeetupView] = []
    var error: String?
}

@MainActor
final class MeetupsModel: ObservableObject {
    @Published private(set) var ui = MeetupsUi()
    private let companion: PphCompanion
    let groupId: String

    init(companion: PphCompanion, groupId: String) {
        self.companion = companion
        self.groupId = groupId
    }

    private func guarded(_ change: () throws -> Void) {
        do {
            try change()
            ui = MeetupsUi(meetups: try companion.groups().meetups(groupId: groupId))
        } catch {
            ui.error = describe(error)
        }
    }

    func refresh() { guarded {} }

    func rsvp(meetupId: String, answer: RsvpAnswer) {
        guarded { _ = try companion.groups().rsvp(meetupId: meetupId, answer: answer) }
    }

    func schedule(_ meetup: NewMeetup) {
        guarded { _ = try companion.groups().createMeetup(groupId: groupId, new: meetup) }
    }

    /// "I went": counts the meetup for one of my activities once the
    /// facilitator has recorded that I came.
    func countForActivity(meetupId: String, activityId: String) {
        guarded {
            _ = try companion.groups().countAttendance(
                meetupId: meetupId, activityId: activityId, utcOffsetMinutes: offsetMinutes())
        }
    }
}
