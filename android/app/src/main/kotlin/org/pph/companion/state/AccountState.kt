// Signing up (a code mailed to the email, then the code and a password) or
// in (patient or clinician), signing out, the devices signed
// in (and signing one out), and the groups list
// with unread counts, joining by invite code. Network calls are suspend
// functions, called from the screen's coroutine scope.
package org.pph.companion.state

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.pph.*

data class AccountUi(
    val account: AccountInfo? = null,
    /// After "erase this phone": what was deleted and what remains elsewhere.
    val erased: ErasureReceipt? = null,
    /// After "delete my account": what the server deleted and what remains.
    val deleted: AccountDeletionReceipt? = null,
    /// A recovery code to show once (after signing up or making a new one):
    /// with it a forgotten password loses nothing. Cleared once seen.
    val recoveryCode: String? = null,
    val passwordChanged: Boolean = false,
    /// The email a sign-up code was asked for: the screen then asks for the
    /// code from that mail (or says a note may come instead, when the email
    /// has an account already).
    val codeSentTo: String? = null,
    /// The devices signed in to the account (this one among them), newest
    /// seen first, once `loadDevices` has run.
    val devices: List<SignedInDevice> = emptyList(),
    val error: String? = null,
)

/// What only the platform can delete: the store's key (Keystore) and the
/// receipt photos the shell saved.
interface PlatformEraser {
    fun deleteKey()
    fun deletePhoto(fileName: String)
}

class AccountState(private val companion: PphCompanion, private val serverUrl: String) {
    private val _ui = MutableStateFlow(AccountUi(companion.sync().status().account))
    val ui: StateFlow<AccountUi> = _ui.asStateFlow()

    private suspend fun guard(call: suspend () -> AccountInfo?) {
        _ui.value = try {
            AccountUi(call())
        } catch (e: PphException.Unauthorized) {
            _ui.value.copy(error = "Wrong email or password")
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// The first step of signing up: the relay mails a code to `email`.
    suspend fun askSignUpCode(email: String) {
        _ui.value = try {
            companion.account().askSignUpCode(serverUrl, email)
            _ui.value.copy(codeSentTo = email, error = null)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// Signs up with the code mailed to `codeSentTo`, then shows the
    /// recovery code the core made, once. A wrong code keeps the email, for
    /// the person to try again or ask for a new code.
    suspend fun signUp(code: String, password: String, name: String, role: AccountRole) {
        val email = _ui.value.codeSentTo
        if (email == null) {
            _ui.value = _ui.value.copy(error = "Ask for a code first: it comes by email")
            return
        }
        guard { companion.account().signUp(serverUrl, email, code, password, name, role) }
        if (_ui.value.account != null) {
            _ui.value = _ui.value.copy(recoveryCode = companion.account().takeRecoveryCode())
        }
    }

    /// The person has written the code down or printed it.
    fun recoveryCodeKept() {
        _ui.value = _ui.value.copy(recoveryCode = null)
    }

    /// Changes the password; every device keeps reading everything, and
    /// every other device signs in again with the new one.
    suspend fun changePassword(current: String, new: String) {
        _ui.value = try {
            companion.account().changePassword(current, new)
            // A new password replaces the recovery code: show the new one.
            _ui.value.copy(
                passwordChanged = true,
                error = null,
                recoveryCode = companion.account().takeRecoveryCode(),
            )
        } catch (e: PphException.Forbidden) {
            _ui.value.copy(error = "Wrong password: nothing was changed")
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// A new recovery code (the old one stops working), shown once.
    suspend fun newRecoveryCode(password: String) {
        _ui.value = try {
            _ui.value.copy(recoveryCode = companion.account().newRecoveryCode(password), error = null)
        } catch (e: PphException.Forbidden) {
            _ui.value.copy(error = "Wrong password: nothing was changed")
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// Forgot the password: signs this phone in with the recovery code and
    /// sets a new password. The code works once: the one that replaces it
    /// is shown, once; every other device signs in again.
    suspend fun recover(email: String, code: String, newPassword: String) {
        _ui.value = try {
            val account = companion.account().signInWithRecoveryCode(serverUrl, email, code, newPassword)
            AccountUi(account, recoveryCode = companion.account().takeRecoveryCode())
        } catch (e: PphException.Unauthorized) {
            _ui.value.copy(error = "Wrong email or recovery code")
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    suspend fun signIn(email: String, password: String) =
        guard { companion.account().signIn(serverUrl, email, password) }

    /// The devices signed in to the account, for the "Your devices" list.
    suspend fun loadDevices() {
        _ui.value = try {
            _ui.value.copy(devices = companion.account().devices(), error = null)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// Signs a device out (a lost or stolen phone) by its session from the
    /// list; naming this phone signs it out. What the device holds stays
    /// on it; it signs in again to go on.
    suspend fun signOutDevice(session: String) {
        val thisOne = _ui.value.devices.any { it.session == session && it.thisDevice }
        _ui.value = try {
            companion.account().signOutDevice(session)
            if (thisOne) AccountUi(account = null) else _ui.value.copy(devices = companion.account().devices(), error = null)
        } catch (e: PphException.NotFound) {
            _ui.value.copy(error = "That device is already signed out")
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// The records stay on the phone; shared patients' copies are deleted.
    suspend fun signOut() = guard {
        companion.account().signOut()
        null
    }

    /// What deleting the account does, for the screen to show before the
    /// person confirms (their group messages go for everyone).
    fun deletionWarning(): List<String> = try {
        companion.account().accountDeletionWarning()
    } catch (e: PphException) {
        _ui.value = _ui.value.copy(error = describe(e))
        emptyList()
    }

    /// Deletes the account on the server, with its password again. A wrong
    /// password deletes nothing and says so; afterwards the screen offers
    /// to erase this phone too.
    suspend fun deleteAccount(password: String) {
        _ui.value = try {
            AccountUi(account = null, deleted = companion.account().deleteAccount(password))
        } catch (e: PphException.Forbidden) {
            _ui.value.copy(error = "Wrong password: nothing was deleted")
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// The person's whole record in one archive in `dir` (the app's cache),
    /// for the screen to hand to the share sheet; its path, or null with the
    /// error shown.
    fun exportRecord(dir: java.io.File): String? = try {
        companion.exportAll(java.io.File(dir, "my-record.zip").path, null).path
    } catch (e: PphException) {
        _ui.value = _ui.value.copy(error = describe(e))
        null
    }

    /// Brings back an archive (picked by the person) into this phone's
    /// still-empty store; how many records came back, or null.
    fun importRecord(path: String): UInt? = try {
        companion.importAll(path).records
    } catch (e: PphException.Conflict) {
        _ui.value = _ui.value.copy(error = "This phone already holds a record; an archive goes into a new one")
        null
    } catch (e: PphException) {
        _ui.value = _ui.value.copy(error = describe(e))
        null
    }

    /// Erases this phone: the core deletes the store and clinicians'
    /// copies, then the platform deletes the key and the receipt photos.
    /// The companion is unusable afterwards; the app starts afresh.
    fun eraseThisPhone(platform: PlatformEraser) {
        _ui.value = try {
            val receipt = companion.eraseLocal()
            receipt.receiptPhotos.forEach(platform::deletePhoto)
            if (receipt.deleteTheKey) platform.deleteKey()
            AccountUi(account = null, erased = receipt)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }
}

data class GroupEntry(val group: Group, val unread: UInt)

data class GroupsUi(
    val groups: List<GroupEntry> = emptyList(),
    /// Groups joined whose key no member's phone has passed on yet.
    val waitingForKey: UInt = 0u,
    /// The last code made here, to read out or send to a new member.
    val invite: GroupInvite? = null,
    val error: String? = null,
)

class GroupsState(private val companion: PphCompanion) {
    private val _ui = MutableStateFlow(GroupsUi())
    val ui: StateFlow<GroupsUi> = _ui.asStateFlow()

    fun refresh() {
        _ui.value = try {
            val groups = companion.groups()
            _ui.value.copy(
                groups = groups.groups().map { GroupEntry(it, groups.unreadCount(it.id)) },
                waitingForKey = groups.groupsWaitingForKey(),
                error = null,
            )
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// A code for the group that stops working after `days`.
    suspend fun makeInvite(groupId: String, days: Long = 7, now: java.time.Instant = java.time.Instant.now()) {
        _ui.value = try {
            _ui.value.copy(invite = companion.groups().inviteCode(groupId, now.plus(java.time.Duration.ofDays(days))), error = null)
        } catch (e: PphException) {
            _ui.value.copy(error = describe(e))
        }
    }

    /// Joins with a code as typed (case, spaces and dashes do not matter),
    /// then syncs so the group's name and messages arrive, once a member's
    /// phone has passed this one the group's key (`waitingForKey` till then).
    suspend fun join(code: String) {
        try {
            companion.groups().joinGroup(code)
            companion.sync().syncNow()
            refresh()
        } catch (e: PphException.NotFound) {
            _ui.value = _ui.value.copy(error = "That code is unknown, expired or revoked")
        } catch (e: PphException) {
            _ui.value = _ui.value.copy(error = describe(e))
        }
    }
}
