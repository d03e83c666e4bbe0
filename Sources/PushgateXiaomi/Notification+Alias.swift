import PushgateCore

/// Foundation also has a `Notification`; in this module the name means ours.
typealias Notification = PushgateCore.Notification
