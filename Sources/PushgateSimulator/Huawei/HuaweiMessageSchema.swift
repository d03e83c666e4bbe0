/// The field names of a v1 send request that the simulator knows, from Huawei's Push Kit server API reference; used
/// only to warn about unknown fields.
indirect enum HuaweiMessageSchema: Sendable {
    /// A value whose inside is not checked.
    case leaf
    case object([String: HuaweiMessageSchema])
    /// An array whose elements follow the schema.
    case array(HuaweiMessageSchema)

    /// Appends to `unknown` the paths of object members the schema does not name (each path once).
    func collectUnknown(in value: VendorJSON, path: String, into unknown: inout [String]) {
        switch (self, value) {
        case (.object(let members), .object(let object)):
            var unknownHere: [String] = []
            for (key, member) in object {
                if let schema = members[key] {
                    if case .leaf = schema { continue }
                    schema.collectUnknown(in: member, path: path.isEmpty ? key : path + "." + key, into: &unknown)
                } else {
                    unknownHere.append(path.isEmpty ? key : path + "." + key)
                }
            }
            // Sorted, so the order does not depend on dictionary order; only unknown keys need it.
            for memberPath in unknownHere.sorted() where !unknown.contains(memberPath) {
                unknown.append(memberPath)
            }
        case (.array(let element), .array(let values)):
            for item in values {
                element.collectUnknown(in: item, path: path + "[]", into: &unknown)
            }
        default:
            break
        }
    }

    static let request = HuaweiMessageSchema.object([
        "validate_only": .leaf,
        "message": .object([
            "data": .leaf,
            "notification": .object(["title": .leaf, "body": .leaf, "image": .leaf]),
            "android": android,
            // Not Android: Huawei passes these on to other platforms; not checked.
            "apns": .leaf,
            "webpush": .leaf,
            "token": .leaf,
            "topic": .leaf,
            "condition": .leaf,
        ]),
        "review": .leaf,
    ])

    private static let android = HuaweiMessageSchema.object([
        "collapse_key": .leaf,
        "urgency": .leaf,
        "category": .leaf,
        "ttl": .leaf,
        "bi_tag": .leaf,
        "receipt_id": .leaf,
        "fast_app_target": .leaf,
        "data": .leaf,
        "target_user_type": .leaf,
        "notification": androidNotification,
    ])

    private static let androidNotification = HuaweiMessageSchema.object([
        "title": .leaf, "body": .leaf, "icon": .leaf, "color": .leaf, "sound": .leaf, "default_sound": .leaf,
        "tag": .leaf,
        "click_action": .object(["type": .leaf, "intent": .leaf, "url": .leaf, "action": .leaf, "rich_resource": .leaf]
        ),
        "body_loc_key": .leaf, "body_loc_args": .leaf, "title_loc_key": .leaf, "title_loc_args": .leaf,
        "multi_lang_key": .leaf, "channel_id": .leaf, "notify_summary": .leaf, "image": .leaf, "style": .leaf,
        "big_title": .leaf, "big_body": .leaf, "auto_clear": .leaf, "notify_id": .leaf, "group": .leaf,
        "badge": .object(["add_num": .leaf, "class": .leaf, "set_num": .leaf]),
        "ticker": .leaf, "when": .leaf, "local_only": .leaf, "importance": .leaf, "use_default_vibrate": .leaf,
        "use_default_light": .leaf, "vibrate_config": .leaf, "visibility": .leaf,
        "light_settings": .object([
            "color": .object(["alpha": .leaf, "red": .leaf, "green": .leaf, "blue": .leaf]),
            "light_on_duration": .leaf, "light_off_duration": .leaf,
        ]),
        "foreground_show": .leaf, "inbox_content": .leaf,
        "buttons": .array(
            .object(["name": .leaf, "action_type": .leaf, "intent_type": .leaf, "intent": .leaf, "data": .leaf])
        ),
        "profile_id": .leaf,
    ])
}
