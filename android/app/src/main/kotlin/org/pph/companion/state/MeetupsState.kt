// A group's meetups: answers and places (going or waitlisted), and counting
// attendance as a care-plan completion.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*
import java.time.Clock

data class MeetupsUi(
    val meetups: List<MeetupView> = emptyList(),
    val error: String? = null,
)

class MeetupsState(
    private val companion: PphCompanion,
    private val groupId: String,
    private val clock: Clock = Clock.systemDefaultZone(),
) {
    private val _ui = MutableStateFlow(MeetupsUi())
    val ui: StateFlow<MeetupsUi> = _ui.asStateFlow()

    private fun guard(change: () -> Unit) {
        _ui.value = try {
            change()
            MeetupsUi(companion.groups().meetups(groupId))
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    fun refresh() = guard {}

    /// Facilitators only; the core refuses anyone else.
    fun schedule(meetup: NewMeetup) = guard {
        companion.groups().createMeetup(groupId, meetup)
    }

    fun rsvp(meetupId: String, answer: RsvpAnswer) = guard {
        companion.groups().rsvp(meetupId, answer)
    }

    /// "I went": counts the meetup for one of my activities once the
    /// facilitator has recorded that I came.
    fun countForActivity(meetupId: String, activityId: String) = guard {
        val offset = clock.zone.rules.getOffset(clock.instant()).totalSeconds / 60
        companion.groups().countAttendance(meetupId, activityId, offset)
    }
}
