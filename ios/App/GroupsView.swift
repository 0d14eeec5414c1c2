// Groups: the chat (pending messages shown at once) and meetups with RSVP.
import PphCore
import SwiftUI

struct GroupsView: View {
    let companion: PphCompanion
    // PphCore.Group: SwiftUI has a Group of its own.
    @State private var group: PphCore.Group?
    @State private var messages: [ChatMessage] = []
    @State private var meetups: [MeetupView] = []
    @State private var draft = ""

    func refresh() {
        guard let group else { return }
        messages = (try? companion.groups().messages(groupId: group.id, limit: 50, before: nil).messages.reversed()) ?? []
        meetups = (try? companion.groups().meetups(groupId: group.id)) ?? []
        try? companion.groups().markRead(groupId: group.id)
    }

    var body: some View {
        List {
            ForEach(meetups, id: \.meetup.id) { m in
                HStack {
                    Text("\(m.meetup.title): \(m.yes) going, \(m.waitlist.count) waiting")
                    Button("Yes") { _ = try? companion.groups().rsvp(meetupId: m.meetup.id, answer: .yes); refresh() }
                }
            }
            ForEach(messages, id: \.id) { m in
                Text("\(m.authorName): \(m.hidden ? "hidden by the facilitator" : m.body)\(m.status == .pending ? " (sending)" : "")")
            }
            HStack {
                TextField("Message", text: $draft)
                Button("Send") {
                    if let group { _ = try? companion.groups().postMessage(groupId: group.id, body: draft, replyTo: nil) }
                    draft = ""
                    refresh()
                }
            }
        }
        .onAppear {
            group = try? companion.groups().groups().first
            refresh()
        }
    }
}
