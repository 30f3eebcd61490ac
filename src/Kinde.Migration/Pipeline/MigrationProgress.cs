namespace Kinde.Migration.Pipeline;

/// <summary>A progress snapshot of a running migration.</summary>
/// <param name="Phase">What the run is doing: <c>indexing passwords</c>, <c>scanning users</c> (only for importers that read the
/// user export twice), <c>converting</c>, <c>converting again</c> (the users a later user changed, when the user export is
/// read once), <c>done</c>.</param>
/// <param name="RecordsRead">Records read in this phase.</param>
/// <param name="UsersAccepted">Users handed to the importer so far.</param>
/// <param name="UsersRejected">Users rejected so far.</param>
public sealed record MigrationProgress(string Phase, long RecordsRead, long UsersAccepted, long UsersRejected);
