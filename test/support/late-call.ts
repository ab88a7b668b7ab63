/**
 * The alarms of the late-call scenario: a major fault under the IT plan reported three hours before
 * it is entered, as `Type:metric:threshold@at` with `at(m)` the instant m minutes after the report.
 */
export function lateCallAlarms(at: (minutes: number) => string) {
  return {
    /** What the follower raises from the report alone, in the order it appends them. */
    raised: [
      `SlaWarningReached:response:0.5@${at(15)}`,
      `SlaWarningReached:response:0.75@${at(22.5)}`,
      `SlaWarningReached:onsiteResolution:0.5@${at(30)}`,
      `SlaBreached:response:@${at(30)}`,
      `SlaWarningReached:onsiteResolution:0.75@${at(45)}`,
      `SlaBreached:onsiteResolution:@${at(60)}`,
      `EscalationRequired:onsiteResolution:@${at(60)}`,
    ],
    /** What stands after the acknowledgement at minute 20, sorted. */
    afterAcknowledgement: [
      `SlaWarningReached:response:0.5@${at(15)}`,
      `SlaWarningReached:onsiteResolution:0.5@${at(30)}`,
      `SlaWarningReached:onsiteResolution:0.75@${at(45)}`,
      `SlaBreached:onsiteResolution:@${at(60)}`,
      `EscalationRequired:onsiteResolution:@${at(60)}`,
    ].sort(),
  };
}
