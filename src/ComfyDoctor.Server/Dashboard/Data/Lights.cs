using ComfyDoctor.Core.Diagnosis;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>How a light is shown: never by colour alone — a name, an icon and a text label go with it.</summary>
public static class Lights
{
    public static string Name(Light light) =>
        light switch
        {
            Light.Green => "green",
            Light.Yellow => "yellow",
            _ => "red",
        };

    public static string Icon(Light light) =>
        light switch
        {
            Light.Green => "✓",
            Light.Yellow => "!",
            _ => "✗",
        };

    public static string Label(Light light) =>
        light switch
        {
            Light.Green => "OK",
            Light.Yellow => "Warning",
            _ => "Failing",
        };

    public static string Title(HealthCategory category) =>
        category switch
        {
            HealthCategory.Models => "Models",
            HealthCategory.Nodes => "Nodes",
            HealthCategory.Disk => "Disk",
            _ => "Runtime",
        };
}
