// The iOS state holders (ios/App/State) against the real core: a real
// encrypted store through the generated Swift bindings, and a real server on
// loopback for the network ones. Built and run on Linux by
// bindings/tests/swift/build_and_run.sh; prints "N passed, N failed".
import Foundation
import PphCore

var passed = 0
var failed = 0

struct Failure: Error, CustomStringConvertible { let description: String }

func check(_ condition: Bool, _ what: @autoclosure () -> String) throws {
    if !condition { throw Failure(description: what()) }
}

@MainActor
func test(_ name: String, _ body: () async throws -> Void) async {
    do {
        try await body()
        passed += 1
        print("ok   \(name)")
    } catch {
        failed += 1
        print("FAIL \(name): \(error)")
    }
}

/// A SyncListener written in Swift: the core calls it from its own thread.
final class Recorder: SyncListener, @unchecked Sendable {
    private let lock = NSLock()
    private var states: [SyncState] = []
    var seen: [SyncState] { lock.lock(); defer { lock.unlock() }; return states }
    func onStatus(status: SyncStatus) { lock.lock(); states.append(status.state); lock.unlock() }
}

let breathlessness = "00000000-0000-7000-8000-00000000a001"
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pph-swift-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
func open(_ name: String) throws -> PphCompanion {
    try PphCompanion.open(config: CompanionConfig(
        dbPath: dir.appendingPathComponent("\(name).db").path,
        encryptionKey: Data(repeating: 9, count: 32), deviceName: name))
}
let companion = try open("app")
let plans = companion.carePlans()
let plan = try plans.createPlan(new: NewPlan(title: "Breathe easier", whatMatters: "The park"))
let goal = try plans.addGoal(planId: plan.id, new: NewGoal(description: "Walk more", expressedBy: "me"))
let daily = try plans.addActivity(goalId: goal.id, new: NewActivity(
    description: "Breathing exercises", responsible: .me, schedule: Schedule(repeat: .daily, start: localDay())))

await test("today renders the core's day and ticks it off") {
    let today = TodayModel(companion: companion)
    today.refresh()
    guard let view = today.ui.view else { throw Failure(description: "no view: \(String(describing: today.ui.error))") }
    try check(view.date == localDay(), "date \(view.date)")
    try check(view.activities.map(\.description) == ["Breathing exercises"], "due \(view.activities)")
    try check(view.activities[0].outcome == nil, "already recorded")
    try check(view.diaryPrompt, "no diary prompt")
    try check(today.ui.quickSymptoms.count == 4, "quick \(today.ui.quickSymptoms.count)")
    today.tick(activityId: daily.id, outcome: .done)
    try check(today.ui.view?.activities.first?.outcome == .done, "not ticked: \(today.ui)")
}

/// Records what the planner hands to the platform.
final class RecordingScheduler: ReminderScheduler {
    var calls: [[UpcomingReminder]] = []
    func replaceAll(_ reminders: [UpcomingReminder]) { calls.append(reminders) }
}

await test("the reminder planner sets the zone and hands at most 64 to the scheduler") {
    let scheduler = RecordingScheduler()
    _ = try companion.today().addReminder(new: NewReminder(
        subject: .activity(activityId: daily.id), timing: .clockTime(minute: 18 * 60), quietHours: nil))
    let tokyo = TimeZone(identifier: "Asia/Tokyo")!
    let planner = ReminderPlanner(companion: companion, scheduler: scheduler, zone: { tokyo })
    let first = try planner.reschedule().get()
    try check(try companion.today().reminderSettings().timeZone == "Asia/Tokyo", "zone not set")
    try check(scheduler.calls.count == 1 && first.count == 64, "scheduled \(first.count)")
    try check(first.allSatisfy { $0.localLabel.hasSuffix("18:00 JST") }, "labels \(first.map(\.localLabel))")
    try check(first[0].title == "Time for your plan", "lock-screen text \(first[0].title)")
    let later = try planner.snooze(key: first[0].key, until: Date().addingTimeInterval(3 * 86_400)).get()
    try check(!later.contains { $0.key == first[0].key && $0.at == first[0].at }, "not moved")
    let refused = planner.snooze(key: first[0].key, until: Date().addingTimeInterval(30 * 86_400))
    guard case let .failure(error) = refused else { throw Failure(description: "a month's snooze was taken") }
    try check(error.message == "Please check until: must be after now and at most a week ahead", "refused \(error)")
}

await test("a quick log out of range names the field and writes nothing") {
    let today = TodayModel(companion: companion)
    today.quickLog(symptomId: breathlessness, value: 11)
    try check(today.ui.error?.hasPrefix("Please check ratings") == true, "error \(String(describing: today.ui.error))")
    let written = try companion.diary().entries(from: "2000-01-01", to: "2100-01-01", limit: 10, cursor: nil)
    try check(written.entries.isEmpty, "written: \(written.entries.count)")
}

await test("the diary logs, charts, lists questionnaires and holds the PHQ-9 safety message") {
    let diary = DiaryModel(companion: companion)
    diary.log(ratings: [Rating(symptomId: breathlessness, value: 6)], note: "windy", tags: ["cold weather"])
    diary.refresh(trendSymptomId: breathlessness)
    try check(diary.ui.trend.last?.mean == 6 && diary.ui.trend.last?.count == 1, "trend \(diary.ui.trend)")
    try check(Set(diary.ui.questionnaires.map(\.code)).isSuperset(of: ["phq9", "gad7", "mrc_dyspnoea"]),
              "questionnaires \(diary.ui.questionnaires.map(\.code))")
    let answers = (1...9).map { Answer(linkId: String($0), value: $0 == 9 ? 1 : 0) }
    diary.submit(code: "phq9", answers: answers)
    try check(diary.ui.safetyMessages.count == 1, "messages \(diary.ui.safetyMessages)")
    diary.acknowledgeSafetyMessages()
    try check(diary.ui.safetyMessages.isEmpty, "still shown")
    try check(diary.ui.lastResult?.flags.count == 1, "flag not kept with the result")
    diary.submit(code: "phq9", answers: Array(answers.dropFirst()))
    try check(diary.ui.error?.contains("answers") == true, "error \(String(describing: diary.ui.error))")
}

await test("the budget refuses alcohol and records a receipt the core hashed") {
    let budgets = companion.budgets()
    let start = localDay(Date().addingTimeInterval(-86_400))
    let end = localDay(Date().addingTimeInterval(300 * 86_400))
    let budget = try budgets.createBudget(new: NewBudget(
        name: "PHB", holding: .directPayment, periodStart: start, periodEnd: end,
        allocationPence: 120_000, currency: "GBP"))
    let line = try budgets.addLine(budgetId: budget.id, new: NewBudgetLine(category: "Personal assistant", plannedPence: 100_000))
    let photo = dir.appendingPathComponent("receipt.jpg")
    try Data("not really a jpeg".utf8).write(to: photo)
    let receipt = try receiptOf(path: photo.path, mediaType: "image/jpeg")
    // sha256sum of the same 17 bytes.
    try check(receipt.sha256 == "21ac2586e213d1f490778a07bf0025a98fc57595863a282372bac594b398322b"
              && receipt.sizeBytes == 17, "receipt \(receipt)")
    let model = BudgetModel(companion: companion)
    func spend(_ category: String) -> NewSpend {
        NewSpend(lineId: line.id, date: localDay(), payee: "Jo", category: category, amountPence: 6_000,
                 currency: "GBP", receipt: receipt)
    }
    try check(model.recordSpend(budgetId: budget.id, spend: spend("personal_assistant")) != nil,
              "spend refused: \(String(describing: model.ui.error))")
    try check(model.ui.summary?.remainingPence == 114_000, "summary \(String(describing: model.ui.summary))")
    try check(model.recordSpend(budgetId: budget.id, spend: spend("alcohol")) == nil, "alcohol accepted")
    try check(model.ui.error?.contains("category") == true, "error \(String(describing: model.ui.error))")
}

await test("the care plan adds a goal and an activity, and refuses a blank goal") {
    let model = CarePlanModel(companion: companion)
    model.refresh()
    try check(model.ui.plan?.info.title == "Breathe easier", "plan \(String(describing: model.ui.plan?.info))")
    model.addGoal(NewGoal(description: "Walk to the shops", expressedBy: "me"))
    guard let added = model.ui.plan?.goals.last else { throw Failure(description: "no goal") }
    try check(added.description == "Walk to the shops", "goal \(added)")
    model.addActivity(goalId: added.id, NewActivity(
        description: "Walk ten minutes", responsible: .me, schedule: Schedule(repeat: .daily, start: localDay())))
    try check(model.ui.plan?.activities.contains { $0.goalId == added.id } == true, "no activity")
    let goals = model.ui.plan?.goals.count
    model.addGoal(NewGoal(description: " ", expressedBy: "me"))
    try check(model.ui.error?.hasPrefix("Please check description") == true, "error \(String(describing: model.ui.error))")
    try check(model.ui.plan?.goals.count == goals, "the blank goal was written")
}

await test("a referral waits for the person's yes, and a completed one never goes back") {
    let model = CarePlanModel(companion: companion)
    model.refresh(planId: plan.id)
    model.addReferral(goalId: goal.id, NewReferral(
        service: "Hilltop Walkers", kind: .walkingGroup, referredBy: .me, requestedOn: localDay(),
        description: "Walk with the group", schedule: Schedule(repeat: .onWeekdays(days: [.sat]), start: localDay())))
    guard let walk = model.ui.plan?.activities.first(where: { $0.referral != nil }) else {
        throw Failure(description: "no referral \(String(describing: model.ui.error))")
    }
    try check(walk.referral?.status == .requested, "status \(String(describing: walk.referral))")
    model.moveReferral(activityId: walk.id, to: .accepted, note: "Saturdays suit me")
    model.moveReferral(activityId: walk.id, to: .completed)
    model.moveReferral(activityId: walk.id, to: .requested)
    try check(model.ui.error?.hasPrefix("Please check status") == true, "error \(String(describing: model.ui.error))")
    let now = model.ui.plan?.activities.first(where: { $0.id == walk.id })?.referral?.status
    try check(now == .completed, "moved back: \(String(describing: now))")
    let page = model.reportForDoctor(sections: [.carePlan, .diaryTrends]) ?? ""
    try check(page.hasPrefix("<!doctype html>") && page.contains("Care plan"), "report \(page.prefix(200))")
    _ = model.reportForDoctor(sections: [])
    try check(model.ui.error?.hasPrefix("Please check sections") == true, "error \(String(describing: model.ui.error))")
    let note = model.messageToGp(activityId: walk.id) ?? ""
    try check(note.contains("Taken up: yes, from \(localDay())."), note)
}

await test("erasing this phone deletes the store, then the key, and nothing works after") {
    final class Eraser: PlatformEraser {
        var deleted: [String] = []
        func deleteKey() { deleted.append("key") }
        func deletePhoto(fileName: String) { deleted.append(fileName) }
    }
    let phone = try open("erase-me")
    _ = try phone.carePlans().createPlan(new: NewPlan(title: "Breathe easier", whatMatters: "The park"))
    let eraser = Eraser()
    let account = AccountModel(companion: phone, serverUrl: "http://127.0.0.1:9")
    guard let archive = account.exportRecord(into: dir) else { throw Failure(description: "no export \(account.ui)") }
    let restored = AccountModel(companion: try open("erase-new"), serverUrl: "http://127.0.0.1:9")
    try check(restored.importRecord(path: archive) == 1, "import \(restored.ui)")
    try check(restored.importRecord(path: archive) == nil && restored.ui.error?.hasPrefix("This phone already") == true,
              "second import \(restored.ui)")
    account.eraseThisPhone(platform: eraser)
    guard let receipt = account.ui.erased else { throw Failure(description: "not erased \(account.ui)") }
    let path = dir.appendingPathComponent("erase-me.db").path
    try check(receipt.deletedFiles.contains(path) && !FileManager.default.fileExists(atPath: path), "receipt \(receipt)")
    try check(eraser.deleted == ["key"], "platform asked to delete \(eraser.deleted)")
    do {
        _ = try phone.carePlans().listPlans()
        throw Failure(description: "the erased store still answers")
    } catch PphError.Storage {}
}

/// The sign-up code in the last mail the test server wrote to `email` (its
/// Maildir, PPH_TEST_MAIL_DIR), or nil when that mail carries none.
func mailedCode(_ email: String) -> String? {
    guard let dir = ProcessInfo.processInfo.environment["PPH_TEST_MAIL_DIR"] else { return nil }
    let new = URL(fileURLWithPath: dir).appendingPathComponent("new")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted(by: >)
    let to = "To: \(email.lowercased())"
    let codeCharacters = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    for name in names {
        guard let text = try? String(contentsOf: new.appendingPathComponent(name), encoding: .utf8),
              text.components(separatedBy: .newlines).contains(where: { $0.trimmingCharacters(in: .whitespaces) == to })
        else { continue }
        return text.split(whereSeparator: { $0.isWhitespace }).map(String.init).first { word in
            let chars = Array(word)
            return chars.count == 9 && chars[4] == "-"
                && chars.enumerated().allSatisfy { $0.offset == 4 || codeCharacters.contains($0.element) }
        }
    }
    return nil
}

/// Signs up as a person does: asks for a code, reads the mail, types it in.
@discardableResult
func signUpWithMail(_ store: PphCompanion, server: String, email: String, displayName: String,
                    role: AccountRole) async throws -> AccountInfo {
    _ = try await store.account().askSignUpCode(serverUrl: server, email: email)
    return try await store.account().signUp(serverUrl: server, email: email, code: mailedCode(email) ?? "",
                                            password: "a long enough password", displayName: displayName, role: role)
}

if let server = ProcessInfo.processInfo.environment["PPH_TEST_SERVER_URL"] {
    await test("chat posts at once as pending, pages back, sends, reacts, and refuses an empty message") {
        let store = try open("chat")
        try await signUpWithMail(store, server: server, email: "chat-\(UUID().uuidString)@example.org", displayName: "Kit", role: .patient)
        let group = try await store.groups().createGroup(new: NewGroup(name: "Circle", purpose: "Talk"))
        let chat = ChatModel(companion: store, groupId: group.id, pageSize: 2)
        for body in ["one", "two", "three"] { chat.post(body) }
        try check(chat.ui.messages.map(\.body) == ["three", "two"], "page \(chat.ui.messages.map(\.body))")
        try check(chat.ui.messages.allSatisfy { $0.status == .pending }, "not pending")
        chat.loadOlder()
        try check(chat.ui.messages.map(\.body) == ["three", "two", "one"], "older \(chat.ui.messages.map(\.body))")
        _ = try await store.sync().syncNow()
        chat.refresh()
        try check(chat.ui.messages.allSatisfy { $0.status == .sent }, "not sent")
        chat.react(messageId: chat.ui.messages[0].id, emoji: "👍", on: true)
        try check(chat.ui.messages[0].reactions.first?.mine == true, "reaction \(chat.ui.messages[0].reactions)")
        chat.post("   ")
        try check(chat.ui.error?.hasPrefix("Please check body") == true, "error \(String(describing: chat.ui.error))")
    }

    await test("accounts, invite codes, joining, meetups and the status line against a real server") {
        let host = try open("host")
        let hostAccount = AccountModel(companion: host, serverUrl: server)
        let hostEmail = "host-\(UUID().uuidString)@example.org"
        await hostAccount.signUp(code: "ABCD-EFGH", password: "a long enough password", name: "Host", role: .patient)
        try check(hostAccount.ui.error?.contains("code") == true, "no code asked for: \(hostAccount.ui)")
        await hostAccount.askSignUpCode(email: hostEmail)
        try check(hostAccount.ui.codeSentTo == hostEmail, "code sent: \(hostAccount.ui)")
        await hostAccount.signUp(code: "0000-0000", password: "a long enough password", name: "Host", role: .patient)
        try check(hostAccount.ui.account == nil && hostAccount.ui.error?.contains("code") == true,
                  "a wrong code: \(hostAccount.ui)")
        await hostAccount.signUp(code: mailedCode(hostEmail) ?? "", password: "a long enough password",
                                 name: "Host", role: .patient)
        try check(hostAccount.ui.account?.displayName == "Host", "account \(hostAccount.ui)")
        let group = try await host.groups().createGroup(new: NewGroup(name: "Walkers", purpose: "Walk"))
        _ = try host.groups().postMessage(groupId: group.id, body: "Welcome", replyTo: nil)
        let meetups = MeetupsModel(companion: host, groupId: group.id)
        let start = Date().addingTimeInterval(86_400)
        meetups.schedule(NewMeetup(title: "Walk", startsAt: start, endsAt: start.addingTimeInterval(3_600), place: "Park", capacity: 1))
        guard let meetup = meetups.ui.meetups.first?.meetup else { throw Failure(description: "not scheduled \(meetups.ui)") }
        meetups.rsvp(meetupId: meetup.id, answer: .yes)
        try check(meetups.ui.meetups.first?.myPlace == .going, "place \(meetups.ui)")
        let status = SyncStatusModel(companion: host)
        status.refresh()
        try check(status.summary.hasSuffix("waiting to sync"), "status \(status.summary)")
        let recorder = Recorder()
        let handle = host.sync().setListener(listener: recorder)
        _ = try await host.sync().syncNow()
        handle.cancel()
        try check(recorder.seen.first == .syncing && recorder.seen.last == .idle, "listener saw \(recorder.seen)")
        status.refresh()
        try check(status.summary == "Up to date", "status \(status.summary)")
        let hostGroups = GroupsModel(companion: host)
        await hostGroups.makeInvite(groupId: group.id, days: 1)
        guard let code = hostGroups.ui.invite?.code else { throw Failure(description: "no code \(hostGroups.ui)") }

        let guest = try open("guest")
        let email = "guest-\(UUID().uuidString)@example.org"
        let guestAccount = AccountModel(companion: guest, serverUrl: server)
        await guestAccount.askSignUpCode(email: email)
        await guestAccount.signUp(code: mailedCode(email) ?? "", password: "a long enough password", name: "Guest", role: .patient)
        await guestAccount.signOut()
        try check(guestAccount.ui.account == nil, "still signed in")
        await guestAccount.signIn(email: email, password: "not the password!")
        try check(guestAccount.ui.error == "Wrong email or password", "error \(String(describing: guestAccount.ui.error))")
        await guestAccount.signIn(email: email, password: "a long enough password")
        try check(guestAccount.ui.account != nil, "not signed in: \(String(describing: guestAccount.ui.error))")
        let groups = GroupsModel(companion: guest)
        // Half a code (the relay's half alone, or a code from before) is
        // refused on the phone; a whole code nobody made, by the relay.
        await groups.join(code: "XXXXX-XXXXX")
        try check(groups.ui.error?.contains("half a code") == true, "error \(String(describing: groups.ui.error))")
        await groups.join(code: "XXXXX-XXXXX-XXXX-XXXX-XXXX")
        try check(groups.ui.error == "That code is unknown, expired or revoked", "error \(String(describing: groups.ui.error))")
        await groups.join(code: code.lowercased())
        try check(groups.ui.groups.isEmpty && groups.ui.waitingForKey == 1, "waiting \(groups.ui)")
        // The host's phone passes the group's key on when it syncs.
        _ = try await host.sync().syncNow()
        _ = try await guest.sync().syncNow()
        groups.refresh()
        try check(groups.ui.waitingForKey == 0, "still waiting \(groups.ui)")
        try check(groups.ui.groups.map(\.group.name) == ["Walkers"] && groups.ui.groups.first?.unread == 1,
                  "groups \(groups.ui)")

        // The guest leaves for good: told first that their messages go for
        // everyone; a wrong password deletes nothing.
        _ = try guest.groups().postMessage(groupId: group.id, body: "Bye all", replyTo: nil)
        _ = try await guest.sync().syncNow()
        _ = try await host.sync().syncNow()
        try check(try host.groups().messages(groupId: group.id, limit: 10, before: nil).messages.count == 2, "before")
        let warning = guestAccount.deletionWarning()
        try check(warning.contains { $0.contains("1 message(s) in 1 group(s)") }, "warning \(warning)")
        await guestAccount.deleteAccount(password: "not the password!")
        try check(guestAccount.ui.error == "Wrong password: nothing was deleted",
                  "error \(String(describing: guestAccount.ui.error))")
        try check(guestAccount.ui.account != nil, "signed out by a wrong password")
        await guestAccount.deleteAccount(password: "a long enough password")
        guard let deleted = guestAccount.ui.deleted else {
            throw Failure(description: "not deleted: \(String(describing: guestAccount.ui.error))")
        }
        try check(deleted.groupRecordsErased >= 1 && guestAccount.ui.account == nil, "receipt \(deleted)")
        try check(try await host.sync().syncNow().erased >= 1, "nothing erased on the host")
        try check(try host.groups().messages(groupId: group.id, limit: 10, before: nil).messages.map(\.body) == ["Welcome"],
                  "after")

        // Too many wrong passwords: told to wait, not that it is offline.
        let held = AccountModel(companion: try open("laptop"), serverUrl: server)
        for _ in 0..<5 { await held.signIn(email: email, password: "not the password!") }
        try check(held.ui.error == "Wrong email or password", "error \(String(describing: held.ui.error))")
        await held.signIn(email: email, password: "a long enough password")
        try check(held.ui.error?.hasPrefix("Too many tries; please wait") == true,
                  "error \(String(describing: held.ui.error))")
    }
    await test("time given is confirmed by its receiver, and limits are named") {
        let fay = try open("tb-fay"), gus = try open("tb-gus")
        for (c, name) in [(fay, "Fay"), (gus, "Gus")] {
            try await signUpWithMail(c, server: server, email: "\(name)-\(UUID().uuidString)@example.org", displayName: name, role: .patient)
        }
        let group = try await fay.groups().createGroup(new: NewGroup(name: "Walkers", purpose: "Walk"))
        let code = try await fay.groups().inviteCode(groupId: group.id, expiresAt: Date().addingTimeInterval(3_600)).code
        _ = try await gus.groups().joinGroup(code: code)
        let fays = TimebankModel(companion: fay, groupId: group.id)
        fays.setRules(on: true, lowerHours: -1, upperHours: 40)
        _ = try await fay.sync().syncNow()
        _ = try await gus.sync().syncNow()
        guard let gusMember = try await fay.groups().members(groupId: group.id).first(where: { $0.displayName == "Gus" })
        else { throw Failure(description: "Gus is not a member") }
        fays.give(to: gusMember, minutes: 45, category: .transport, note: "A lift")
        fays.give(to: gusMember, minutes: 30, category: .company)
        try check(fays.ui.overview?.awaitingOthers.count == 2, "pending \(fays.ui)")
        _ = try await fay.sync().syncNow()
        _ = try await gus.sync().syncNow()
        let guss = TimebankModel(companion: gus, groupId: group.id, pageSize: 1)
        guss.refresh()
        let waiting = guss.ui.overview?.toConfirm ?? []
        try check(waiting.count == 2, "to confirm \(guss.ui)")
        for minutes: UInt32 in [45, 30] {
            guss.confirm(exchangeId: waiting.first(where: { $0.minutes == minutes })?.id ?? "")
        }
        try check(guss.ui.error?.contains("-1 h") == true, "limit \(String(describing: guss.ui.error))")
        try check(hours(guss.ui.overview?.myBalance.minutes ?? 0) == "-45 min", "balance \(String(describing: guss.ui.overview))")
        guss.loadOlder()
        try check(guss.ui.history.count == 2, "history \(guss.ui.history.count)")
    }
    await test("the recovery code is shown once; a changed or forgotten password loses nothing") {
        let phone = try open("pw-phone"), tablet = try open("pw-tablet")
        let email = "pw-\(UUID().uuidString)@example.org"
        let account = AccountModel(companion: phone, serverUrl: server)
        await account.askSignUpCode(email: email)
        await account.signUp(code: mailedCode(email) ?? "", password: "a long enough password", name: "Pia", role: .patient)
        guard let code = account.ui.recoveryCode else { throw Failure(description: "no code \(account.ui)") }
        try check(code.count == 39, code)
        account.recoveryCodeKept()
        try check(account.ui.recoveryCode == nil, "still shown")
        _ = try phone.carePlans().createPlan(new: NewPlan(title: "Breathe easier", whatMatters: "The park", nextReview: nil))
        _ = try await phone.sync().syncNow()
        await account.changePassword(current: "not the password!", new: "a new long password")
        try check(account.ui.error == "Wrong password: nothing was changed", "error \(String(describing: account.ui.error))")
        await account.changePassword(current: "a long enough password", new: "a new long password")
        try check(account.ui.passwordChanged, "not changed \(String(describing: account.ui.error))")
        // A new password replaces the recovery code: the new one is shown.
        guard let changedCode = account.ui.recoveryCode else { throw Failure(description: "no new code \(account.ui)") }
        try check(changedCode != code, "the old code shown again")
        account.recoveryCodeKept()
        let recovering = AccountModel(companion: tablet, serverUrl: server)
        await recovering.recover(email: email, code: "0000-0000-0000-0000-0000-0000-0000-0000", newPassword: "after forgetting it")
        try check(recovering.ui.error == "Wrong email or recovery code", "error \(String(describing: recovering.ui.error))")
        await recovering.recover(email: email, code: code.lowercased(), newPassword: "after forgetting it")
        try check(recovering.ui.error == "Wrong email or recovery code", "the replaced code \(String(describing: recovering.ui.error))")
        await recovering.recover(email: email, code: changedCode.lowercased(), newPassword: "after forgetting it")
        try check(recovering.ui.account != nil, "not recovered \(String(describing: recovering.ui.error))")
        guard let replaced = recovering.ui.recoveryCode else { throw Failure(description: "no new code \(recovering.ui)") }
        try check(replaced != changedCode, "the used code shown again")
        _ = try await tablet.sync().syncNow()
        try check(try tablet.carePlans().listPlans().map(\.title) == ["Breathe easier"], "plans")

        // The recovery signed the phone out; signed in again, it lists both
        // devices and signs the tablet out, which keeps its work.
        do {
            _ = try await phone.sync().syncNow()
            throw Failure(description: "the phone is still signed in")
        } catch PphError.Unauthorized {}
        await account.signIn(email: email, password: "after forgetting it")
        await account.loadDevices()
        try check(account.ui.devices.map(\.name).sorted() == ["pw-phone", "pw-tablet"], "devices \(account.ui.devices)")
        guard let tabletSession = account.ui.devices.first(where: { !$0.thisDevice })?.session else {
            throw Failure(description: "no tablet in \(account.ui.devices)")
        }
        await account.signOutDevice(session: tabletSession)
        try check(account.ui.devices.map(\.name) == ["pw-phone"], "after \(account.ui)")
        await account.signOutDevice(session: tabletSession)
        try check(account.ui.error == "That device is already signed out", "error \(String(describing: account.ui.error))")
        _ = try tablet.carePlans().createPlan(new: NewPlan(title: "Written signed out", whatMatters: ""))
        do {
            _ = try await tablet.sync().syncNow()
            throw Failure(description: "the tablet is still signed in")
        } catch PphError.Unauthorized {}
        try check(try tablet.sync().status().pendingChanges > 0, "the tablet's work is kept")
    }
    await test("a patient shares, and sees the clinician's read in the access log") {
        let patient = try open("share-patient"), clinic = try open("share-clinic")
        try await signUpWithMail(patient, server: server, email: "pat-\(UUID().uuidString)@example.org", displayName: "Pat", role: .patient)
        let doctor = "dr-\(UUID().uuidString)@example.org"
        try await signUpWithMail(clinic, server: server, email: doctor, displayName: "Dr Lee", role: .clinician)
        _ = try patient.carePlans().createPlan(new: NewPlan(title: "Breathe easier", whatMatters: "The park"))
        _ = try await patient.sync().syncNow()
        let sharing = SharingModel(companion: patient)
        await sharing.grant(clinicianEmail: doctor, scopes: [.carePlan], until: Date().addingTimeInterval(3_600))
        try check(sharing.ui.accesses.isEmpty, "read before the clinician synced: \(sharing.ui.accesses)")
        _ = try await clinic.sync().syncNow()
        await sharing.refresh()
        let read = sharing.ui.accesses.first
        try check(sharing.ui.accesses.count == 1 && read?.clinicianName == "Dr Lee" && read?.scopes == [.carePlan]
                  && (read?.records ?? 0) > 0, "access log \(sharing.ui.accesses)")
        // In the consultation room: the same number on both phones.
        let mine = VerifyModel(companion: patient), theirs = VerifyModel(companion: clinic)
        mine.show(accountId: sharing.ui.shares[0].clinicianAccountId)
        theirs.show(accountId: try clinic.sharing().sharedWithMe()[0].patientAccountId)
        let number = mine.ui.number
        try check(number != nil && number?.digits == theirs.ui.number?.digits && number?.digits.count == 71
                  && number?.verified == false, "numbers \(mine.ui) \(theirs.ui)")
        mine.confirm()
        try check(mine.ui.number?.verified == true && mine.ui.warnings.isEmpty, "verified \(mine.ui)")
        mine.accept(accountId: sharing.ui.shares[0].clinicianAccountId)
        try check(mine.ui.error == VerifyModel.nothingWaiting, "accepted nothing \(mine.ui)")
        mine.show(accountId: "0190a5c2-0000-7000-8000-000000000999")
        try check(mine.ui.error == VerifyModel.notSeenYet, "unknown account \(mine.ui)")
    }
} else {
    print("NOT run: the server tests (no PPH_TEST_SERVER_URL)")
}

print("\(passed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
