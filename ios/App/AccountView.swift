// Signing up or in (patient or clinician) and out. Until then everything
// stays on the phone and works offline.
import PphCore
import SwiftUI

struct AccountView: View {
    @StateObject var model: AccountModel
    @State private var email = ""
    @State private var password = ""
    @State private var name = ""
    @State private var clinician = false
    @State private var confirmErase = false
    @State private var confirmDelete = false
    @State private var deletePassword = ""
    @State private var newPassword = ""
    @State private var recoveryCode = ""
    @State private var signUpCode = ""
    @State private var exported: URL?

    /// The Keychain key and the receipts folder: what only the app deletes.
    struct DeviceEraser: PlatformEraser {
        func deleteKey() { StoreKey.delete() }
        func deletePhoto(fileName: String) {
            guard let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask).first
            else { return }
            try? FileManager.default.removeItem(
                at: support.appendingPathComponent("receipts", isDirectory: true).appendingPathComponent(fileName))
        }
    }

    var body: some View {
        Form {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            if let receipt = model.ui.erased {
                Text("Erased from this phone: \(receipt.deletedFiles.count) files, \(receipt.receiptPhotos.count) receipt photos, and the key.")
                ForEach(receipt.remainsElsewhere, id: \.self) { Text("• \($0)") }
                Text("Close the app; it will start afresh.")
            } else if let account = model.ui.account {
                if let code = model.ui.recoveryCode {
                    Section("Your recovery code") {
                        Text(code).font(.body.monospaced()).textSelection(.enabled)
                        Text("Write it down or print it and keep it safe. With it, a forgotten password loses nothing; it is shown only now.")
                        Button("I have kept it") { model.recoveryCodeKept() }
                    }
                }
                Text("Signed in as \(account.displayName)")
                Button("Sign out") { Task { await model.signOut() } }
                Section("Password") {
                    if model.ui.passwordChanged { Text("Password changed. Your other devices sign in again with the new one; nothing on them is lost.") }
                    SecureField("Password now", text: $password).textContentType(.password)
                    SecureField("New password", text: $newPassword).textContentType(.newPassword)
                    Button("Change password") {
                        Task {
                            await model.changePassword(current: password, new: newPassword)
                            password = ""
                            newPassword = ""
                        }
                    }
                    Button("Make a new recovery code") {
                        Task {
                            await model.newRecoveryCode(password: password)
                            password = ""
                        }
                    }
                }
                // A lost or stolen phone is signed out from here.
                Section("Your devices") {
                    ForEach(model.ui.devices, id: \.session) { device in
                        HStack {
                            Text(device.thisDevice ? "\(device.name) (this phone)" : device.name)
                            Text(device.lastSeen, style: .relative).foregroundStyle(.secondary)
                            Button("Sign out", role: .destructive) {
                                Task { await model.signOutDevice(session: device.session) }
                            }
                        }
                    }
                }
                .task { await model.loadDevices() }
                // Deleting the account says first what it does, then asks
                // for the password again.
                Section("Delete my account") {
                    if confirmDelete {
                        ForEach(model.deletionWarning(), id: \.self) { Text("• \($0)") }
                        SecureField("Password", text: $deletePassword).textContentType(.password)
                        Button("Delete it for good", role: .destructive) {
                            Task {
                                await model.deleteAccount(password: deletePassword)
                                deletePassword = ""
                            }
                        }
                        Button("Keep my account") { confirmDelete = false }
                    } else {
                        Button("Delete my account", role: .destructive) { confirmDelete = true }
                    }
                }
            } else {
                if let receipt = model.ui.deleted {
                    Text("Your account is deleted: \(receipt.changesDeleted) changes, \(receipt.groupRecordsErased) group records, \(receipt.sharesDeleted) shares; \(receipt.devicesSignedOut) devices signed out.")
                    ForEach(receipt.remainsElsewhere, id: \.self) { Text("• \($0)") }
                    Text("Your records are still on this phone: erase it below if you want them gone too.")
                }
                TextField("Email", text: $email).keyboardType(.emailAddress).textContentType(.username)
                SecureField("Password", text: $password).textContentType(.password)
                Button("Sign in") { Task { await model.signIn(email: email, password: password) } }
                Section("Forgot your password?") {
                    TextField("Recovery code", text: $recoveryCode).textInputAutocapitalization(.characters)
                    SecureField("New password", text: $newPassword).textContentType(.newPassword)
                    Button("Sign in with the recovery code") {
                        Task {
                            await model.recover(email: email, code: recoveryCode, newPassword: newPassword)
                            recoveryCode = ""
                            newPassword = ""
                        }
                    }
                }
                Section("New here?") {
                    TextField("Your name", text: $name)
                    Toggle("I am a clinician", isOn: $clinician)
                    if let sentTo = model.ui.codeSentTo {
                        Text("We sent a code to \(sentTo). If that address has an account already, the email says so instead.")
                        TextField("Code from the email", text: $signUpCode).textInputAutocapitalization(.characters)
                        Button("Create my account") {
                            Task {
                                await model.signUp(code: signUpCode, password: password, name: name,
                                                   role: clinician ? .clinician : .patient)
                            }
                        }
                        Button("Send a new code") { Task { await model.askSignUpCode(email: email) } }
                    } else {
                        Button("Email me a code") { Task { await model.askSignUpCode(email: email) } }
                    }
                }
            }
            if model.ui.erased == nil {
                Section("My record") {
                    Button("Export my whole record") {
                        exported = model.exportRecord(into: FileManager.default.temporaryDirectory)
                            .map { URL(fileURLWithPath: $0) }
                    }
                    if let exported { ShareLink(item: exported) { Text("Share the file") } }
                }
                Section("Erase") {
                    Button("Erase everything on this phone", role: .destructive) { confirmErase = true }
                }
            }
        }
        .confirmationDialog(
            "This deletes your plan, diary, budget and messages from this phone, and its key. Records already synced stay on the server.",
            isPresented: $confirmErase, titleVisibility: .visible
        ) {
            Button("Yes, erase it", role: .destructive) { model.eraseThisPhone(platform: DeviceEraser()) }
        }
    }
}
