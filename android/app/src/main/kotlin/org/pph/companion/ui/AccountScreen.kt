package org.pph.companion.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
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
import org.pph.companion.platform.StoreKey
import org.pph.companion.state.AccountState
import org.pph.companion.state.PlatformEraser
import androidx.compose.ui.platform.LocalContext
import java.io.File
import uniffi.pph.AccountRole
import uniffi.pph.PphCompanion

/// When a device was last seen, in the phone's zone and language.
private val seenFormat = java.time.format.DateTimeFormatter
    .ofLocalizedDateTime(java.time.format.FormatStyle.MEDIUM)
    .withZone(java.time.ZoneId.systemDefault())

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
    var signUpCode by remember { mutableStateOf("") }
    var confirmErase by remember { mutableStateOf(false) }
    var confirmDelete by remember { mutableStateOf(false) }
    var newPassword by remember { mutableStateOf("") }
    var code by remember { mutableStateOf("") }
    val context = LocalContext.current
    Column {
        ui.error?.let { Text(it) }
        ui.erased?.let { receipt ->
            Text("Erased from this phone: ${receipt.deletedFiles.size} files, ${receipt.receiptPhotos.size} receipt photos, and the key.")
            receipt.remainsElsewhere.forEach { Text("• $it") }
            Text("Close the app; it will start afresh.")
            return@Column
        }
        ui.deleted?.let { receipt ->
            Text("Your account is deleted: ${receipt.changesDeleted} changes, ${receipt.groupRecordsErased} group records, ${receipt.sharesDeleted} shares; ${receipt.devicesSignedOut} devices signed out.")
            receipt.remainsElsewhere.forEach { Text("• $it") }
            Text("Your records are still on this phone: erase it below if you want them gone too.")
        }
        ui.recoveryCode?.let { recovery ->
            Text("Your recovery code: $recovery")
            Text("Write it down or print it and keep it safe. With it, a forgotten password loses nothing; it is shown only now.")
            Button(onClick = { state.recoveryCodeKept() }) { Text("I have kept it") }
        }
        val account = ui.account
        if (account != null) {
            Text("Signed in as ${account.displayName}")
            if (ui.passwordChanged) Text("Password changed. Your other devices sign in again with the new one; nothing on them is lost.")
            OutlinedTextField(password, { password = it }, label = { Text("Password now") }, visualTransformation = PasswordVisualTransformation())
            OutlinedTextField(newPassword, { newPassword = it }, label = { Text("New password") }, visualTransformation = PasswordVisualTransformation())
            Button(onClick = { scope.launch { state.changePassword(password, newPassword); password = ""; newPassword = "" } }) { Text("Change password") }
            Button(onClick = { scope.launch { state.newRecoveryCode(password); password = "" } }) { Text("Make a new recovery code") }
            Button(onClick = { scope.launch { state.signOut() } }) { Text("Sign out") }
            // Your devices: a lost or stolen phone is signed out from here.
            Button(onClick = { scope.launch { state.loadDevices() } }) { Text("Show your devices") }
            ui.devices.forEach { device ->
                Row {
                    Text("${device.name}${if (device.thisDevice) " (this phone)" else ""}, last seen ${seenFormat.format(device.lastSeen)}")
                    Button(onClick = { scope.launch { state.signOutDevice(device.session) } }) { Text("Sign out ${device.name}") }
                }
            }
            // Deleting the account says first what it does, then asks for
            // the password again.
            if (!confirmDelete) {
                Button(onClick = { confirmDelete = true }) { Text("Delete my account") }
            } else {
                state.deletionWarning().forEach { Text("• $it") }
                OutlinedTextField(password, { password = it }, label = { Text("Password") }, visualTransformation = PasswordVisualTransformation())
                Button(onClick = { scope.launch { state.deleteAccount(password); password = "" } }) { Text("Delete it for good") }
                Button(onClick = { confirmDelete = false }) { Text("Keep my account") }
            }
        }
        // My whole record in one file, to keep or to take to another app.
        Button(onClick = {
            val dir = File(context.cacheDir, "exports").apply { mkdirs() }
            state.exportRecord(dir)?.let { path ->
                val uri = androidx.core.content.FileProvider.getUriForFile(context, "${context.packageName}.receipts", File(path))
                val send = android.content.Intent(android.content.Intent.ACTION_SEND)
                    .setType("application/zip")
                    .putExtra(android.content.Intent.EXTRA_STREAM, uri)
                    .addFlags(android.content.Intent.FLAG_GRANT_READ_URI_PERMISSION)
                context.startActivity(android.content.Intent.createChooser(send, "My record"))
            }
        }) { Text("Export my whole record") }
        // Erasing asks twice: nothing on the phone can be brought back.
        if (!confirmErase) {
            Button(onClick = { confirmErase = true }) { Text("Erase everything on this phone") }
        } else {
            Text("This deletes your plan, diary, budget and messages from this phone, and its key. Records already synced stay on the server.")
            Button(onClick = {
                state.eraseThisPhone(object : PlatformEraser {
                    override fun deleteKey() = StoreKey.delete(context)
                    override fun deletePhoto(fileName: String) {
                        File(File(context.filesDir, "receipts"), fileName).delete()
                    }
                })
            }) { Text("Yes, erase it") }
            Button(onClick = { confirmErase = false }) { Text("Keep it") }
        }
        if (account != null) return@Column
        OutlinedTextField(email, { email = it }, label = { Text("Email") })
        OutlinedTextField(password, { password = it }, label = { Text("Password") }, visualTransformation = PasswordVisualTransformation())
        Button(onClick = { scope.launch { state.signIn(email, password) } }) { Text("Sign in") }
        Text("Forgot your password?")
        OutlinedTextField(code, { code = it }, label = { Text("Recovery code") })
        OutlinedTextField(newPassword, { newPassword = it }, label = { Text("New password") }, visualTransformation = PasswordVisualTransformation())
        Button(onClick = { scope.launch { state.recover(email, code, newPassword); code = ""; newPassword = "" } }) { Text("Sign in with the recovery code") }
        Text("New here?")
        OutlinedTextField(name, { name = it }, label = { Text("Your name") })
        Row {
            Checkbox(clinician, { clinician = it })
            Text("I am a clinician")
        }
        val sentTo = ui.codeSentTo
        if (sentTo == null) {
            Button(onClick = { scope.launch { state.askSignUpCode(email) } }) { Text("Email me a code") }
        } else {
            Text("We sent a code to $sentTo. If that address has an account already, the email says so instead.")
            OutlinedTextField(signUpCode, { signUpCode = it }, label = { Text("Code from the email") })
            Button(onClick = {
                scope.launch { state.signUp(signUpCode, password, name, if (clinician) AccountRole.CLINICIAN else AccountRole.PATIENT) }
            }) { Text("Create my account") }
            TextButton(onClick = { scope.launch { state.askSignUpCode(email) } }) { Text("Send a new code") }
        }
    }
}
