/// The vendors' notification-replace ids (Huawei and Xiaomi `notify_id`, vivo `notifyId`): a
/// non-negative 31-bit number derived from a tag (FNV-1a), so every attempt and every process
/// derives the same one and a resend replaces the notification on the device.
package enum NotifyID {
    package static func derive(from tag: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in tag.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return Int(hash & 0x7FFF_FFFF)
    }
}
