// Test-only stand-in for Apple's Combine, which does not exist on Linux: just
// the two names the state holders use, so they compile and run unchanged
// against the real core here. On iOS the real Combine is used, and SwiftUI
// observes @Published for real; here the tests read the values directly.
public protocol ObservableObject: AnyObject {}

@propertyWrapper
public struct Published<Value> {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
}
