using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore.Storage;

namespace ComfyDoctor.Server.Store;

/// <summary>
/// Many rows to one <c>INSERT</c>, in the context's open transaction, each statement binding at most
/// <see cref="MaxParameters"/> values: far below SQLite's limit (32,766) and PostgreSQL's (65,535) whatever the row count,
/// and 200 statements for 100,000 rows rather than 100,000 round trips.
/// </summary>
public static class BatchInsert
{
    public const int MaxParameters = 2_000;

    public static async Task InsertAsync(
        ComfyDoctorDb db,
        string table,
        IReadOnlyList<string> columns,
        IEnumerable<object?[]> rows,
        CancellationToken ct
    )
    {
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException($"rows of {table} are inserted inside a transaction");
        var head = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ";
        foreach (var chunk in rows.Chunk(MaxParameters / columns.Count))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(head);
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    sql.Append(c == 0 ? "" : ", ").Append(Bind(command, r * columns.Count + c, chunk[r][c]));
                }

                sql.Append(')');
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    private static string Bind(DbCommand command, int index, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@p" + index.ToString(CultureInfo.InvariantCulture);
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }
}
