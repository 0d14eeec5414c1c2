// One activity, one navigation graph: a tab per screen. Every screen reads a
// state holder from ../state and calls the core through it.
package org.pph.companion.ui

import android.Manifest
import android.os.Build
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import androidx.navigation.compose.rememberNavController
import androidx.compose.runtime.getValue
import org.pph.companion.platform.CompanionApp
import uniffi.pph.PphCompanion

private val tabs = listOf(
    "today" to "Today",
    "diary" to "Diary",
    "plan" to "My plan",
    "budget" to "Budget",
    "groups" to "Groups",
    "share" to "Share",
    "clinician" to "Clinician",
    "account" to "Account",
)

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val companion = (application as CompanionApp).companion
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            // Reminders need it from Android 13; the app works without it.
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), 1)
        }
        setContent { MaterialTheme { App(companion) } }
    }
}

@Composable
private fun App(companion: PphCompanion) {
    val nav = rememberNavController()
    val current by nav.currentBackStackEntryAsState()
    Scaffold(
        bottomBar = {
            NavigationBar {
                tabs.forEach { (route, label) ->
                    NavigationBarItem(
                        selected = current?.destination?.route == route,
                        onClick = { nav.navigate(route) { launchSingleTop = true } },
                        icon = {},
                        label = { Text(label) },
                    )
                }
            }
        },
    ) { padding ->
        NavHost(nav, startDestination = "today", modifier = Modifier.padding(padding)) {
            composable("today") { TodayScreen(companion) }
            composable("diary") { DiaryScreen(companion) }
            composable("plan") { CarePlanScreen(companion) }
            composable("budget") { BudgetScreen(companion) }
            composable("groups") { GroupsScreen(companion) }
            composable("share") { ShareScreen(companion) }
            composable("clinician") { ClinicianScreen(companion) }
            composable("account") { AccountScreen(companion) }
        }
    }
}
