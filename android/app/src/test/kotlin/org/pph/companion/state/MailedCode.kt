// Sign-up codes as a person gets them, for the suites against the real
// server: it writes its mail into a Maildir (PPH_TEST_MAIL_DIR), read here.
package org.pph.companion.state

import java.io.File
import uniffi.pph.AccountInfo
import uniffi.pph.AccountRole
import uniffi.pph.PphCompanion

// The code stands on a line of its own (an address or a header may hold a
// run of digits that looks like one).
private val CODE = Regex("""(?m)^\s*([0-9A-Z]{4}-[0-9A-Z]{4})\s*$""")

/// The sign-up code in the last mail the server wrote to `email`, or null
/// when that mail carries none (the note to an email with an account).
fun mailedCode(email: String): String? {
    val dir = System.getenv("PPH_TEST_MAIL_DIR") ?: return null
    val newest = File(dir, "new").listFiles()?.sortedByDescending { it.name } ?: return null
    val to = "To: ${email.lowercase()}"
    val text = newest.map { it.readText() }.firstOrNull { mail -> mail.lines().any { it.trimEnd() == to } }
    return text?.let { CODE.find(it)?.groupValues?.get(1) }
}

/// Signs up as a person does: asks for a code, reads the mail, types it in.
suspend fun signUpWithMail(companion: PphCompanion, server: String, email: String, password: String, name: String, role: AccountRole): AccountInfo {
    companion.account().askSignUpCode(server, email)
    return companion.account().signUp(server, email, mailedCode(email) ?: "", password, name, role)
}
