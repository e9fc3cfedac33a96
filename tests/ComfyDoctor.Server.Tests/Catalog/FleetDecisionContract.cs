using System.Net;
using System.Text.Json;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// Issue 15 §3: the server decides once for the fleet. With the corpus's real catalog, a workflow of
/// <c>ColorMatch</c> + <c>ImageResizeKJ</c> alone would take KJNodes, one of <c>ColorMatch</c> + <c>ImageBlendSwwan</c>
/// alone a bundle that also lists <c>ColorMatch</c> (and <c>ImageResizeKJ</c>): resolved one by one the fleet installs
/// both packs for <c>ColorMatch</c>. Registered together, every workflow takes the bundle, and the first workflow's needs
/// change when the second is registered.
/// </summary>
public abstract class FleetDecisionContract
{
    private const string KjNodes = "https://github.com/kijai/ComfyUI-KJNodes";

    protected abstract Task<string?> DatabaseAsync();

    [CorpusFact]
    public async Task Two_workflows_get_one_pack_for_a_shared_node_type_and_the_fleet_the_fewest_packs()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin();
        Assert.Equal(
            HttpStatusCode.OK,
            (await CatalogContract.ImportAsync(admin, CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats)).StatusCode
        );

        var alone = await RegisterAsync(admin, "a", "ColorMatch", "ImageResizeKJ");
        Assert.Equal([KjNodes], Packs(alone)); // on its own: KJNodes, the home of both

        var second = await RegisterAsync(admin, "b", "ColorMatch", "ImageBlendSwwan");
        var bundle = Assert.Single(Packs(second));
        Assert.NotEqual(KjNodes, bundle);

        var workflows = JsonDocument.Parse(await admin.GetStringAsync("admin/workflows")).RootElement.EnumerateArray().ToList();
        Assert.All(workflows, w => Assert.Equal([bundle], Packs(w.GetProperty("requirements"))));
        var colorMatch = workflows
            .Select(w =>
                w.GetProperty("resolution")
                    .GetProperty("nodes")
                    .EnumerateArray()
                    .Single(n => n.GetProperty("type").GetString() == "ColorMatch")
            )
            .ToList();
        Assert.All(colorMatch, n => Assert.Equal(bundle, n.GetProperty("pack").GetProperty("url").GetString()));
        Assert.Contains("one choice for the whole fleet", colorMatch[0].GetProperty("reason").GetString(), StringComparison.Ordinal);

        var audit = JsonDocument.Parse(await admin.GetStringAsync("admin/audit?size=500")).RootElement.EnumerateArray().ToList();
        var added = audit.Last(a => a.GetProperty("action").GetString() == "workflow.add" && a.GetProperty("target").GetString() == "b");
        Assert.Contains(
            "re-resolved as one fleet decision (2 changed)",
            added.GetProperty("outcome").GetString(),
            StringComparison.Ordinal
        );
    }

    private static async Task<JsonElement> RegisterAsync(HttpClient admin, string name, params string[] types)
    {
        var nodes = string.Join(", ", types.Select((t, i) => $"\"{i + 1}\": {{\"class_type\": \"{t}\", \"inputs\": {{}}}}"));
        var response = await admin.PostAsync($"admin/workflows?name={name}", new StringContent("{" + nodes + "}"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static List<string> Packs(JsonElement requirements) =>
        [.. requirements.GetProperty("nodePacks").EnumerateArray().Select(p => p.GetProperty("url").GetString()!)];
}

public sealed class SqliteFleetDecisionTests : FleetDecisionContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresFleetDecisionTests(Postgres postgres) : FleetDecisionContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
