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

    var body: some View {
        Form {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            if let account = model.ui.account {
                Text("Signed in as \(account.displayName)")
                Button("Sign out") { Task { await model.signOut() } }
            } else {
                TextField("Email", text: $email).keyboardType(.emailAddress).textContentType(.username)
                SecureField("Password", text: $password).textContentType(.password)
                Button("Sign in") { Task { await model.signIn(email: email, password: password) } }
                Section("New here?") {
                    TextField("Your name", text: $name)
                    Toggle("I am a clinician", isOn: $clinician)
                    Button("Create my account") {
                        Task {
                            await model.signUp(email: email, password: password, name: name,
                                               role: clinician ? .clinician : .patient)
                        }
                    }
                }
            }
        }
    }
}
