// Opens the one store for the process, schedules background sync and
// plans the soonest reminders.
package org.pph.companion.platform

import android.app.Application
import android.os.Build
import uniffi.pph.CompanionConfig
import uniffi.pph.PphCompanion
import java.io.File

class CompanionApp : Application() {
    lateinit var companion: PphCompanion
        private set

    override fun onCreate() {
        super.onCreate()
        companion = PphCompanion.open(
            CompanionConfig(
                dbPath = File(noBackupFilesDir, "companion.db").path,
                encryptionKey = StoreKey.load(this),
                deviceName = "${Build.MANUFACTURER} ${Build.MODEL}",
            ),
        )
        SyncWorker.schedule(this)
        ReminderAlarms.refresh(this)
    }
}
