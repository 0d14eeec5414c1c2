// Groups: my groups with unread counts, joining by a code, making a code to
// share (facilitators), and each group's chat and meetups.
import PphCore
import SwiftUI

struct GroupsView: View {
    let companion: PphCompanion
    @StateObject var model: GroupsModel
    @State private var code = ""

    var body: some View {
        NavigationStack {
            List {
                if let error = model.ui.error { Text(error).foregroundStyle(.red) }
                ForEach(model.ui.groups) { entry in
                    NavigationLink(entry.unread > 0 ? "\(entry.group.name) (\(entry.unread))" : entry.group.name) {
                        GroupDetailView(companion: companion, group: entry.group, groups: model)
                    }
                }
                if model.ui.waitingForKey > 0 {
                    Text("Joined \(model.ui.waitingForKey) group(s): it opens here once a member's phone lets this one in (when it next syncs).")
                }
                Section("Join a group") {
                    TextField("Invite code", text: $code).textInputAutocapitalization(.characters)
                    Button("Join") { Task { await model.join(code: code); code = "" } }.disabled(code.isEmpty)
                }
            }
            .navigationTitle("Groups")
            .onAppear { model.refresh() }
        }
    }
}

struct GroupDetailView: View {
    let group: PphCore.Group
    @ObservedObject var groups: GroupsModel
    @StateObject private var chat: ChatModel
    @StateObject private var meetups: MeetupsModel
    @State private var draft = ""
    private let companion: PphCompanion

    init(companion: PphCompanion, group: PphCore.Group, groups: GroupsModel) {
        self.companion = companion
        self.group = group
        self.groups = groups
        _chat = StateObject(wrappedValue: ChatModel(companion: companion, groupId: group.id))
        _meetups = StateObject(wrappedValue: MeetupsModel(companion: companion, groupId: group.id))
    }

    var body: some View {
        List {
            if let error = chat.ui.error ?? meetups.ui.error { Text(error).foregroundStyle(.red) }
            Section("Meetups") {
                ForEach(meetups.ui.meetups, id: \.meetup.id) { m in
                    HStack {
                        Text("\(m.meetup.title): \(m.yes) going, \(m.waitlist.count) waiting")
                        Spacer()
                        Button("Going") { meetups.rsvp(meetupId: m.meetup.id, answer: .yes) }
                        Button("Can't") { meetups.rsvp(meetupId: m.meetup.id, answer: .no) }
                    }
                }
            }
            Section("Chat") {
                if chat.ui.olderCursor != nil { Button("Earlier messages") { chat.loadOlder() } }
                ForEach(chat.ui.messages.reversed(), id: \.id) { m in
                    VStack(alignment: .leading) {
                        Text("\(m.authorName): \(m.hidden ? "hidden by the facilitator" : m.body)")
                        switch m.status {
                        case .pending: Text("sending…").font(.caption)
                        case .failed:
                            HStack {
                                Text("not sent").font(.caption)
                                Button("Try again") { chat.resend(messageId: m.id) }
                                Button("Discard") { chat.discard(messageId: m.id) }
                            }
                        default: EmptyView()
                        }
                    }
                }
                HStack {
                    TextField("Message", text: $draft)
                    Button("Send") { chat.post(draft); draft = "" }.disabled(draft.isEmpty)
                }
            }
            Section("Timebank") {
                NavigationLink("Offers, requests and my balance") {
                    TimebankView(model: TimebankModel(companion: companion, groupId: group.id))
                }
            }
            Section("Invite someone") {
                if let invite = groups.ui.invite { Text("Code: \(invite.code)").textSelection(.enabled) }
                Button("Make a code (7 days)") { Task { await groups.makeInvite(groupId: group.id) } }
            }
        }
        .navigationTitle(group.name)
        .onAppear {
            chat.refresh()
            chat.markRead()
            meetups.refresh()
        }
    }
}
