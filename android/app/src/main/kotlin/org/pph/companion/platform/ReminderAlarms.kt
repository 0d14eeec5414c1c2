// The platform half of reminders: AlarmManager alarms for the soonest
// occurrences the core returns, a notification channel, and a receiver that
// shows a reminder when its alarm fires and asks the core again after a
// reboot, a time-zone change or a clock change. The text shown is the
// core's `title`: generic ("Time for your plan") unless the person turned
// detailed text on. Not compiled here (no Android SDK); ReminderPlanner,
// which decides what to schedule, is tested on the JVM.
package org.pph.companion.platform

import android.Manifest
import android.app.AlarmManager
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import org.pph.companion.state.ReminderPlanner
import org.pph.companion.state.ReminderScheduler
import uniffi.pph.UpcomingReminder

class ReminderAlarms(private val context: Context) : ReminderScheduler {
    private val alarms = context.getSystemService(AlarmManager::class.java)
    private val scheduled = context.getSharedPreferences("reminder-alarms", Context.MODE_PRIVATE)

    override fun replaceAll(reminders: List<UpcomingReminder>) {
        ensureChannel(context)
        val keep = reminders.map { it.key }.toSet()
        // Cancel what the core no longer returns (done, edited, moved).
        for (key in scheduled.getStringSet(KEYS, emptySet()).orEmpty() - keep) {
            alarms.cancel(pending(key, title = ""))
        }
        for (r in reminders) {
            val at = r.at.toEpochMilli()
            val intent = pending(r.key, r.title)
            if (Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()) {
                alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, at, intent)
            } else {
                // Without the exact-alarm grant Android may deliver it a few minutes late.
                alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, at, intent)
            }
        }
        scheduled.edit().putStringSet(KEYS, keep).apply()
    }

    private fun pending(key: String, title: String): PendingIntent =
        PendingIntent.getBroadcast(
            context,
            key.hashCode(),
            Intent(context, ReminderReceiver::class.java)
                .setAction(ACTION_SHOW)
                .putExtra(EXTRA_KEY, key)
                .putExtra(EXTRA_TITLE, title),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )

    companion object {
        const val CHANNEL = "reminders"
        const val ACTION_SHOW = "org.pph.companion.REMINDER"
        const val EXTRA_KEY = "key"
        const val EXTRA_TITLE = "title"
        private const val KEYS = "keys"

        fun ensureChannel(context: Context) {
            val manager = context.getSystemService(NotificationManager::class.java)
            manager.createNotificationChannel(
                NotificationChannel(CHANNEL, "Reminders", NotificationManager.IMPORTANCE_DEFAULT).apply {
                    description = "Your plan, diary and meetup reminders"
                    lockscreenVisibility = android.app.Notification.VISIBILITY_PRIVATE
                },
            )
        }

        /// Asks the core again and replaces every pending alarm.
        fun refresh(context: Context) {
            val app = context.applicationContext as CompanionApp
            ReminderPlanner(app.companion, ReminderAlarms(context)).reschedule()
        }
    }
}

/// Shows a fired reminder, and re-plans after boot and clock or zone changes.
class ReminderReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        when (intent.action) {
            ReminderAlarms.ACTION_SHOW -> show(context, intent)
            Intent.ACTION_BOOT_COMPLETED,
            Intent.ACTION_TIMEZONE_CHANGED,
            Intent.ACTION_TIME_CHANGED,
            Intent.ACTION_MY_PACKAGE_REPLACED,
            -> ReminderAlarms.refresh(context)
        }
    }

    private fun show(context: Context, intent: Intent) {
        val granted = Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU ||
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) ==
            PackageManager.PERMISSION_GRANTED
        if (granted) {
            val key = intent.getStringExtra(ReminderAlarms.EXTRA_KEY).orEmpty()
            val open = PendingIntent.getActivity(
                context,
                key.hashCode(),
                context.packageManager.getLaunchIntentForPackage(context.packageName),
                PendingIntent.FLAG_IMMUTABLE,
            )
            val notification = NotificationCompat.Builder(context, ReminderAlarms.CHANNEL)
                .setSmallIcon(android.R.drawable.ic_popup_reminder)
                .setContentTitle(intent.getStringExtra(ReminderAlarms.EXTRA_TITLE))
                .setContentIntent(open)
                .setAutoCancel(true)
                .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
                .build()
            NotificationManagerCompat.from(context).notify(key.hashCode(), notification)
        }
        // The next ones: this one has passed, and the horizon moves on.
        ReminderAlarms.refresh(context)
    }
}
