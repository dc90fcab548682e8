/// The messages a station can be asked to send (OCPP 1.6 and 2.0.1 TriggerMessage, together):
/// what a rule's `triggerMessage` and an operator's `trigger` command may name. Whether the
/// station's own version has the message is known only when the command is sent.
public enum TriggerableMessages {
    public static let names = ["BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
                               "Heartbeat", "MeterValues", "StatusNotification", "LogStatusNotification",
                               "SignChargingStationCertificate", "SignV2GCertificate", "SignCombinedCertificate",
                               "PublishFirmwareStatusNotification", "TransactionEvent"]
}
