// Signing up (a code mailed to the email, then the code and a password) or
// in (patient or clinician), signing out, the devices signed in
// (and signing one out), the groups list with
// unread counts, joining by an invite code as typed, and making a code to
// share (facilitators). Mirrors android's AccountState and GroupsState.
import Combine
import Foundation
import PphCore

struct AccountUi: Equatable {
    var account: AccountInfo?
    /// After "erase this phone": what was deleted and what remains elsewhere.
    var erased: ErasureReceipt?
    /// After "delete my account": what the server deleted and what remains.
    var deleted: AccountDeletionReceipt?
    /// A recovery code to show once (after signing up or making a new one):
    /// with it a forgotten password loses nothing. Cleared once seen.
    var recoveryCode: String?
    var passwordChanged = false
    /// The email a sign-up code was asked for: the screen then asks for the
    /// code from that mail (or says a note may come instead, when the email
    /// has an account already).
    var codeSentTo: String?
    /// The devices signed in to the account (this one among them), newest
    /// seen first, once `loadDevices` has run.
    var devices: [SignedInDevice] = []
    var error: String?
}

/// What only the platform can delete: the store's key (Keychain) and the
/// receipt photos the shell saved.
protocol PlatformEraser {
    func deleteKey()
    func deletePhoto(fileName: String)
}

@MainActor
final class AccountModel: ObservableObject {
    @Published private(set) var ui = AccountUi()
    private let companion: PphCompanion
    private let serverUrl: String

    init(companion: PphCompanion, serverUrl: String) {
        self.companion = companion
        self.serverUrl = serverUrl
        ui.account = (try? companion.sync().status())?.account
    }

    private func guarded(_ call: () async throws -> AccountInfo?) async {
        do {
            ui = AccountUi(account: try await call())
        } catch PphError.Unauthorized {
            ui.error = "Wrong email or password"
        } catch {
            ui.error = describe(error)
        }
    }

    /// The first step of signing up: the relay mails a code to `email`.
    func askSignUpCode(email: String) async {
        do {
            _ = try await companion.account().askSignUpCode(serverUrl: serverUrl, email: email)
            ui.codeSentTo = email
            ui.error = nil
        } catch {
            ui.error = describe(error)
        }
    }

    /// Signs up with the code mailed to `codeSentTo`, then shows the
    /// recovery code the core made, once. A wrong code keeps the email, for
    /// the person to try again or ask for a new code.
    func signUp(code: String, password: String, name: String, role: AccountRole) async {
        guard let email = ui.codeSentTo else {
            ui.error = "Ask for a code first: it comes by email"
            return
        }
        await guarded {
            try await companion.account().signUp(serverUrl: serverUrl, email: email, code: code,
                                              password: password, displayName: name, role: role)
        }
        if ui.account != nil { ui.recoveryCode = try? companion.account().takeRecoveryCode() }
    }

    /// The person has written the code down or printed it.
    func recoveryCodeKept() { ui.recoveryCode = nil }

    /// Changes the password; every device keeps reading everything, and
    /// every other device signs in again with the new one.
    func changePassword(current: String, new: String) async {
        do {
            try await companion.account().changePassword(current: current, new: new)
            ui.passwordChanged = true
            ui.error = nil
            // A new password replaces the recovery code: show the new one.
            ui.recoveryCode = try companion.account().takeRecoveryCode()
        } catch PphError.Forbidden {
            ui.error = "Wrong password: nothing was changed"
        } catch {
            ui.error = describe(error)
        }
    }

    /// A new recovery code (the old one stops working), shown once.
    func newRecoveryCode(password: String) async {
        do {
            ui.recoveryCode = try await companion.account().newRecoveryCode(password: password)
            ui.error = nil
        } catch PphError.Forbidden {
            ui.error = "Wrong password: nothing was changed"
        } catch {
            ui.error = describe(error)
        }
    }

    /// Forgot the password: signs this phone in with the recovery code and
    /// sets a new password. The code works once: the one that replaces it
    /// is shown, once; every other device signs in again.
    func recover(email: String, code: String, newPassword: String) async {
        do {
            let account = try await companion.account().signInWithRecoveryCode(
                serverUrl: serverUrl, email: email, recoveryCode: code, newPassword: newPassword)
            ui = AccountUi(account: account, recoveryCode: try companion.account().takeRecoveryCode())
        } catch PphError.Unauthorized {
            ui.error = "Wrong email or recovery code"
        } catch {
            ui.error = describe(error)
        }
    }

    func signIn(email: String, password: String) async {
        await guarded { try await companion.account().signIn(serverUrl: serverUrl, email: email, password: password) }
    }

    /// The devices signed in to the account, for the "Your devices" list.
    func loadDevices() async {
        do {
            ui.devices = try await companion.account().devices()
            ui.error = nil
        } catch {
            ui.error = describe(error)
        }
    }

    /// Signs a device out (a lost or stolen phone) by its session from the
    /// list; naming this phone signs it out. What the device holds stays
    /// on it; it signs in again to go on.
    func signOutDevice(session: String) async {
        let thisOne = ui.devices.contains { $0.session == session && $0.thisDevice }
        do {
            try await companion.account().signOutDevice(session: session)
            if thisOne {
                ui = AccountUi()
            } else {
                ui.devices = try await companion.account().devices()
                ui.error = nil
            }
        } catch PphError.NotFound {
            ui.error = "That device is already signed out"
        } catch {
            ui.error = describe(error)
        }
    }

    /// The records stay on the phone; shared patients' copies are deleted.
    func signOut() async {
        await guarded {
            try await companion.account().signOut()
            return nil
        }
    }

    /// What deleting the account does, for the view to show before the
    /// person confirms (their group messages go for everyone).
    func deletionWarning() -> [String] {
        do {
            return try companion.account().accountDeletionWarning()
        } catch {
            ui.error = describe(error)
            return []
        }
    }

    /// Deletes the account on the server, with its password again. A wrong
    /// password deletes nothing and says so; afterwards the view offers to
    /// erase this phone too.
    func deleteAccount(password: String) async {
        do {
            let receipt = try await companion.account().deleteAccount(password: password)
            ui = AccountUi(account: nil, deleted: receipt)
        } catch PphError.Forbidden {
            ui.error = "Wrong password: nothing was deleted"
        } catch {
            ui.error = describe(error)
        }
    }

    /// The person's whole record in one archive in `dir` (the app's caches),
    /// for the view to hand to the share sheet; its path, or nil with the
    /// error shown.
    func exportRecord(into dir: URL) -> String? {
        do {
            return try companion.exportAll(path: dir.appendingPathComponent("my-record.zip").path, patient: nil).path
        } catch {
            ui.error = describe(error)
            return nil
        }
    }

    /// Brings back an archive (picked by the person) into this phone's
    /// still-empty store; how many records came back, or nil.
    func importRecord(path: String) -> UInt32? {
        do {
            return try companion.importAll(path: path).records
        } catch PphError.Conflict {
            ui.error = "This phone already holds a record; an archive goes into a new one"
        } catch {
            ui.error = describe(error)
        }
        return nil
    }

    /// Erases this phone: the core deletes the store and clinicians'
    /// copies, then the platform deletes the key and the receipt photos.
    /// The companion is unusable afterwards; the app starts afresh.
    func eraseThisPhone(platform: PlatformEraser) {
        do {
            let receipt = try companion.eraseLocal()
            receipt.receiptPhotos.forEach(platform.deletePhoto)
            if receipt.deleteTheKey { platform.deleteKey() }
            ui = AccountUi(account: nil, erased: receipt)
        } catch {
            ui.error = describe(error)
        }
    }
}

struct GroupEntry: Identifiable, Equatable {
    let group: PphCore.Group
    let unread: UInt32
    var id: String { group.id }
}

struct GroupsUi: Equatable {
    var groups: [GroupEntry] = []
    /// Groups joined whose key no member's phone has passed on yet.
    var waitingForKey: UInt32 = 0
    /// The last code made here, to read out or send to a new member.
    var invite: GroupInvite?
    var error: String?
}

@MainActor
final class GroupsModel: ObservableObject {
    @Published private(set) var ui = GroupsUi()
    private let companion: PphCompanion

    init(companion: PphCompanion) { self.companion = companion }

    func refresh() {
        do {
            let groups = companion.groups()
            ui.groups = try groups.groups().map { GroupEntry(group: $0, unread: try groups.unreadCount(groupId: $0.id)) }
            ui.waitingForKey = try groups.groupsWaitingForKey()
            ui.error = nil
        } catch {
            ui.error = describe(error)
        }
    }

    /// Joins with a code as typed (case, spaces and dashes do not matter),
    /// then syncs so the group's name and messages arrive, once a member's
    /// phone has passed this one the group's key (`waitingForKey` till then).
    func join(code: String) async {
        do {
            _ = try await companion.groups().joinGroup(code: code)
            _ = try await companion.sync().syncNow()
            refresh()
        } catch PphError.NotFound {
            ui.error = "That code is unknown, expired or revoked"
        } catch {
            ui.error = describe(error)
        }
    }

    /// A code for the group that stops working after `days`.
    func makeInvite(groupId: String, days: Int = 7) async {
        let expires = Date().addingTimeInterval(TimeInterval(days) * 86_400)
        do {
            ui.invite = try await companion.groups().inviteCode(
                groupId: groupId, expiresAt: expires)
        } catch {
            ui.error = describe(error)
        }
    }
}
