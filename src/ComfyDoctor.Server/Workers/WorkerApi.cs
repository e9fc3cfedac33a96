using System.Globalization;
using System.Security.Claims;
using ComfyDoctor.Core.Protocol;
using ComfyDoctor.Server.Problems;
using ComfyDoctor.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyDoctor.Server.Workers;

/// <summary>
/// Workers: <c>GET /admin/workers</c>; for agents <c>POST /agent/v1/enroll</c> (anonymous, the enroll token in the body)
/// and <c>POST /agent/v1/hello</c> (its build and blob-server address; <see cref="WorkerEnrollment"/>).
/// </summary>
public static class WorkerApi
{
    public static void MapWorkers(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup("Workers")
            .MapGet("/workers", async Task<Ok<List<WorkerSummary>>> (ComfyDoctorDb db, CancellationToken ct) =>
                TypedResults.Ok(await WorkerSummary.ListAsync(db, ct))
            );
        var agent = app.MapAgentGroup("Workers");
        agent.MapPost("/enroll", EnrollAsync).AllowAnonymous();
        agent.MapPost(
            "/hello",
            async Task<Results<Ok<AgentWelcome>, ProblemHttpResult>> (
                AgentHello hello,
                ClaimsPrincipal user,
                WorkerEnrollment enrollment,
                CancellationToken ct
            ) => (await enrollment.HelloAsync(user.FindFirstValue(TokenAuthentication.WorkerIdClaim)!, hello, ct)).OkOrProblem()
        );
    }

    private static async Task<Results<Ok<EnrollResponse>, ProblemHttpResult>> EnrollAsync(
        EnrollRequest request,
        WorkerEnrollment enrollment,
        HttpContext context,
        CancellationToken ct
    )
    {
        var outcome = await enrollment.EnrollAsync(request, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", ct);
        if (outcome.Refusal?.Type == ProblemTypes.EnrolmentThrottled)
        {
            context.Response.Headers.RetryAfter = ((int)EnrollmentGuard.Window.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        return outcome.OkOrProblem();
    }
}
