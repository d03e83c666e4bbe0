extension Notification {
    /// The push type the notification is sent as: the caller's, else a background push when it
    /// has only `content_available`, else an alert.
    package var effectivePushType: PushType {
        if let pushType { return pushType }
        let visible =
            self.title != nil || self.body != nil || self.subtitle != nil || self.badge != nil || self.sound != nil
        return self.contentAvailable && !visible ? .background : .alert
    }
}
