// Reminders: the core decides what and when (upcoming_reminders, in the
// person's IANA time zone, with quiet hours and snoozes); this only keeps the
// core's zone in step with the device and hands the soonest ones to the
// platform scheduler, replacing whatever it held. Called on start, after a
// reboot, a time-zone change, a sync and any write. Plain Kotlin: tested on
// the JVM with a recording scheduler.
package org.pph.companion.state

import uniffi.pph.*
import java.time.Clock

/// The platform side: AlarmManager on Android (platform/ReminderAlarms.kt).
interface ReminderScheduler {
    /// Cancels every pending reminder not in `reminders` and schedules the rest.
    fun replaceAll(reminders: List<UpcomingReminder>)
}

class ReminderPlanner(
    private val companion: PphCompanion,
    private val scheduler: ReminderScheduler,
    private val clock: Clock = Clock.systemDefaultZone(),
    private val limit: UInt = SOONEST,
) {
    /// Returns what was scheduled, or a message for the person.
    fun reschedule(): Result<List<UpcomingReminder>> = try {
        val today = companion.today()
        val zone = clock.zone.id
        if (today.reminderSettings().timeZone != zone) today.setTimeZone(zone)
        val soonest = today.upcomingReminders(clock.instant(), limit)
        scheduler.replaceAll(soonest)
        Result.success(soonest)
    } catch (e: PphException) {
        Result.failure(IllegalStateException(describe(e)))
    }

    /// Puts one reminder off (the notification's "later" button): `until`
    /// is after now and at most a week ahead, or the core refuses it.
    fun snooze(key: String, until: java.time.Instant): Result<List<UpcomingReminder>> = try {
        companion.today().snooze(key, until)
        reschedule()
    } catch (e: PphException) {
        Result.failure(IllegalStateException(describe(e)))
    }

    companion object {
        /// Android has no hard limit; 64 keeps the same horizon as iOS.
        const val SOONEST: UInt = 64u
    }
}
