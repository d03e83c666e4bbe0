import PushgateCore

/// Foundation also has a `Notification`; inside this module the name means ours.
package typealias Notification = PushgateCore.Notification
