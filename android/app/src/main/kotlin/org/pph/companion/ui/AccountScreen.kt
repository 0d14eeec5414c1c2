package org.pph.companion.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import org.pph.companion.BuildConfig
import org.pph.companion.state.AccountState
import uniffi.pph.AccountRole
import uniffi.pph.PphCompanion

/// Signing up or in (patient or clinician) and out. Until then everything
/// stays on the phone and works offline.
@Composable
fun AccountScreen(companion: PphCompanion) {
    val state = remember { AccountState(companion, BuildConfig.SERVER_URL) }
    val ui by state.ui.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var email by remember { mutableStateOf("") }
    var password by remember { mutableStateOf("") }
    var name by remember { mutableStateOf("") }
    var clinician by remember { mutableStateOf(false) }
    Column {
        ui.error?.let { Text(it) }
        val account = ui.account
        if (account != null) {
            Text("Signed in as ${account.displayName}")
            Button(onClick = { scope.launch { state.signOut() } }) { Text("Sign out") }
            return@Column
        }
        OutlinedTextField(email, { email = it }, label = { Text("Email") })
        OutlinedTextField(password, { password = it }, label = { Text("Password") }, visualTransformation = PasswordVisualTransformation())
        Button(onClick = { scope.launch { state.signIn(email, password) } }) { Text("Sign in") }
        Text("New here?")
        OutlinedTextField(name, { name = it }, label = { Text("Your name") })
        Row {
            Checkbox(clinician, { clinician = it })
            Text("I am a clinician")
        }
        Button(onClick = {
            scope.launch { state.signUp(email, password, name, if (clinician) AccountRole.CLINICIAN else AccountRole.PATIENT) }
        }) { Text("Create my account") }
    }
}
