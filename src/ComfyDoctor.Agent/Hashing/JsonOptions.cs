using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyDoctor.Agent.Hashing;

internal static class JsonOptions
{
    public static JsonSerializerOptions Default { get; } =
        new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
}
