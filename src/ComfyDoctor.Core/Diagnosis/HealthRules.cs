namespace ComfyDoctor.Core.Diagnosis;

/// <summary>A category is red with any error, yellow with any warning, green otherwise.</summary>
public static class HealthRules
{
    public static IReadOnlyDictionary<HealthCategory, Light> Lights(IEnumerable<Finding> findings)
    {
        var lights = Enum.GetValues<HealthCategory>().ToDictionary(c => c, _ => Light.Green);
        foreach (var finding in findings)
        {
            var light = finding.Severity switch
            {
                Severity.Error => Light.Red,
                Severity.Warning => Light.Yellow,
                _ => Light.Green,
            };
            if (light > lights[finding.Category])
            {
                lights[finding.Category] = light;
            }
        }

        return lights;
    }
}
