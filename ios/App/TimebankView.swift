// A group's timebank: my balance, offers and requests, what waits for me to
// confirm, what waits for others, and my history. Giving time starts from a
// member picked in the group's member list.
import PphCore
import SwiftUI

struct TimebankView: View {
    @StateObject var model: TimebankModel
    @State private var offer = ""

    var body: some View {
        List {
            if let error = model.ui.error { Text(error).foregroundStyle(.red) }
            if let o = model.ui.overview, o.settings?.on == true {
                Text("My balance: \(hours(o.myBalance.minutes))").font(.headline)
                if let t = o.settings?.totals {
                    Text("The group: \(hours(Int64(t.minutes))) given in \(t.exchanges) exchanges")
                }
                Section("Offers") { ForEach(o.offers, id: \.id) { Text("\($0.text) (\($0.authorName))") } }
                Section("Requests") { ForEach(o.requests, id: \.id) { Text("\($0.text) (\($0.authorName))") } }
                Section("For me to confirm") {
                    ForEach(o.toConfirm, id: \.id) { e in
                        HStack {
                            Text("\(e.giverName) gave you \(hours(Int64(e.minutes))) on \(e.onDate)")
                            Button("Confirm") { model.confirm(exchangeId: e.id) }
                        }
                    }
                }
                Section("Waiting for others") {
                    ForEach(o.awaitingOthers, id: \.id) { e in
                        HStack {
                            Text("You gave \(e.receiverName) \(hours(Int64(e.minutes)))")
                            Button("Withdraw") { model.withdraw(exchangeId: e.id) }
                        }
                    }
                }
                Section("Offer some time") {
                    TextField("I can…", text: $offer)
                    Button("Post") { model.post(kind: .offer, category: .other, text: offer); offer = "" }
                }
                Section("My history") {
                    ForEach(model.ui.history, id: \.id) { e in
                        Text("\(e.onDate): \(hours(e.myMinutes)) (\(String(describing: e.state)))")
                    }
                    if model.ui.olderCursor != nil { Button("Earlier") { model.loadOlder() } }
                }
            } else {
                Text("The timebank is off")
            }
        }
        .navigationTitle("Timebank")
        .onAppear { model.refresh() }
    }
}
