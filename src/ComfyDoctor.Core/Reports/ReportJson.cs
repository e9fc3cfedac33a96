using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyDoctor.Core.Reports;

/// <summary>The one JSON dialect of reports: camelCase names, enums as lower-case strings, no nulls written.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } =
        new(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);
}
