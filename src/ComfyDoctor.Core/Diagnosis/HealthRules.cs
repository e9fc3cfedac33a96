namespace ComfyDoctor.Core.Diagnosis;

/// <summary>A category is red with any error, yellow with any warning, green otherwise.</summary>
public static class HealthRules
{
    public static HealthLights Lights(IEnumerable<Finding> findings) =>
        findings.Aggregate(HealthLights.AllGreen, (lights, finding) => lights.Raise(finding.Category, Of(finding.Severity)));

    public static Light Of(Severity severity) =>
        severity switch
        {
            Severity.Error => Light.Red,
            Severity.Warning => Light.Yellow,
            _ => Light.Green,
        };
}
