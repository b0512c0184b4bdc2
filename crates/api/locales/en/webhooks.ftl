# issue 14: webhooks
webhook-url-required = the URL is required
webhook-url-too-long = the URL may have at most { $max } characters
webhook-url-invalid = not a valid http(s) URL
webhook-url-https-required = webhook URLs must use https
webhook-url-credentials = a webhook URL may not carry a user name or password
webhook-url-private = webhooks may not be sent to private, loopback or local addresses
webhook-event-types-required = name at least one event type
webhook-event-types-too-many = at most { $max } event types
webhook-event-type-unknown = unknown event type: { $value }
webhook-event-type-repeated = this event type is listed twice
webhook-unit-unknown = no such unit
webhook-subtree-outside-owner = the subtree filter must lie within the owner unit
webhook-delivery-still-open = this delivery is still being sent; redeliver it once it has succeeded or been dead-lettered
webhook-since-required = give either sinceEventId or sinceTime
webhook-since-invalid = not an event id
