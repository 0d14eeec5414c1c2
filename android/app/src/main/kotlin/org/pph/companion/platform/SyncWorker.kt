// Background sync: a periodic WorkManager job calling sync_now(). The core
// retries briefly inside the call; after that WorkManager's own backoff
// applies, and a refused token stops until the person signs in again.
package org.pph.companion.platform

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import uniffi.pph.PphException
import java.util.concurrent.TimeUnit

class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val companion = (applicationContext as CompanionApp).companion
        return try {
            companion.sync().syncNow()
            // Pulled changes (a plan edited on the tablet, a new meetup) move reminders.
            ReminderAlarms.refresh(applicationContext)
            Result.success()
        } catch (e: PphException.Network) {
            Result.retry()
        } catch (e: PphException.Unauthorized) {
            // Nothing to do until the person signs in; the status says so.
            Result.success()
        } catch (e: PphException) {
            Result.retry()
        }
    }

    companion object {
        private const val NAME = "pph-sync"

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context)
                .enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
