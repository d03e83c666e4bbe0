import PushgateCore

/// Foundation also has a `Notification`; inside this module the name means ours.
public typealias Notification = PushgateCore.Notification
