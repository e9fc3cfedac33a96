using System.Net;
using System.Net.Http.Json;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Core.Reports;

namespace ComfyDoctor.Agent.Remote;

/// <summary>
/// The agent's credential: the one stored in its data folder (mode 0600), else a new one from enrolling once with the
/// enroll token — which is never sent again. A refused enrolment (wrong token, name taken) ends the agent; a 429 (too many
/// wrong tokens from this address) or a 5xx is retried after the server's <c>Retry-After</c>.
/// </summary>
internal sealed class Enrolment(AgentHttp server)
{
    public async Task<string> CredentialAsync(CancellationToken ct)
    {
        var options = server.Options;
        if (await AgentCredential.ReadAsync(options.DataDir, ct) is { Length: > 0 } stored)
        {
            return stored;
        }

        if (options.EnrollToken is null)
        {
            throw new AgentRefusedException($"no credential in {AgentCredential.PathIn(options.DataDir)} and no enroll token to get one");
        }

        using var response = await server.Client.PostAsJsonAsync(
            server.Route("enroll"),
            new EnrollRequest(options.Name, options.Tags, options.EnrollToken, options.AutoRepair),
            ReportJson.Options,
            ct
        );
        ServerBusyException.ThrowIfBusy(response, options.Time);
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            var why = ProblemText.Of(await response.Content.ReadAsStringAsync(ct));
            throw new AgentRefusedException(
                $"enrolling '{options.Name}' at {options.Server} was refused: {(int)response.StatusCode} {why}"
            );
        }

        response.EnsureSuccessStatusCode();
        var enrolled = await response.Content.ReadFromJsonAsync<EnrollResponse>(ReportJson.Options, ct)
            ?? throw new HttpRequestException("the server answered the enrollment with nothing", null, HttpStatusCode.OK);
        await AgentCredential.WriteAsync(options.DataDir, enrolled.Credential, ct);
        AgentLog.Enrolled(server.Log, options.Name, AgentCredential.PathIn(options.DataDir));
        return enrolled.Credential;
    }
}
