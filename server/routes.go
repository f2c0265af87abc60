package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// routes is the one table of every URL kith answers.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverPanics, s.realIP, s.logRequests, s.securityHeaders, apiCORS, limitBodies)

	r.Get("/healthz", s.handleHealth)
	r.Get("/static/theme-{hash}.css", s.handleTheme)
	r.Handle("/static/*", s.staticFiles())

	// Discovery and ActivityPub: thin handlers over federation.
	r.Get("/.well-known/webfinger", s.handleWebFinger)
	r.Get("/.well-known/host-meta", s.handleHostMeta)
	r.Get("/.well-known/host-meta.json", s.handleHostMeta)
	r.Get("/.well-known/nodeinfo", s.handleNodeInfoLinks)
	r.Get("/nodeinfo/{version}", s.handleNodeInfo)
	r.Post("/inbox", s.handleInbox)
	r.Get("/actor", s.handleInstanceActor)
	r.Post("/actor/inbox", s.handleInbox)
	r.Route("/users/{username}", func(r chi.Router) {
		r.Use(s.ownerOnly)
		r.Get("/", s.handleActor)
		r.Post("/inbox", s.handleInbox)
		r.Get("/outbox", s.handleOutbox)
		r.Get("/followers", s.handleFollowCollection)
		r.Get("/following", s.handleFollowCollection)
		r.Get("/collections/featured", s.handleFeatured)
		r.Get("/statuses/{id}", s.handlePostDocument)
		r.Get("/statuses/{id}/activity", s.handleCreateActivity)
		r.Get("/statuses/{id}/replies", s.handleReplies)
	})

	r.Group(func(r chi.Router) {
		r.Use(s.loadSession)
		// Public pages (web_public.go, web_public_lists.go, web_feeds.go,
		// web_remote_follow.go): the profile and its feeds (/@user.rss,
		// .atom), permalinks, tags and their feeds, follower lists, and
		// remote follow and interaction for visitors.
		remote := newRateLimiter(remoteFollowBurst, remoteFollowRefill, s.opts.Now)
		r.Get("/", s.handleRoot)
		r.Get("/@{username}", s.handleProfile)
		r.Get("/@{username}/{id}", s.handleStatusPage)
		r.Get("/@{username}/followers", s.handleFollowsPage)
		r.Get("/@{username}/following", s.handleFollowsPage)
		r.Get("/tags/{tag}", s.handleTagPage)
		r.Get("/remote_follow", s.handleRemoteFollow(remote))
		r.Get("/interact/{id}", s.handleInteract(remote))
		r.Get("/login", s.handleLoginForm)
		r.Post("/login", s.handleLogin)
		// Two-factor sign-in's second step and passkeys (login_2fa.go,
		// passkeys.go).
		r.Get("/login/2fa", s.handleSecondStepForm)
		r.Post("/login/2fa", s.handleSecondStep)
		r.Post("/login/passkey/begin", s.handlePasskeyLoginBegin(newRateLimiter(passkeyBegins, passkeyBeginRefill, s.opts.Now)))
		r.Post("/login/passkey/finish", s.handlePasskeyLoginFinish)

		r.Group(func(r chi.Router) {
			r.Use(s.requireOwner)
			r.Post("/logout", s.handleLogout)
			r.Get("/settings/sessions", s.handleSessions)
			r.Post("/settings/sessions/revoke", s.handleRevokeSession)
			r.Get("/settings/migration", s.handleMigration)
			r.Post("/settings/migration/{action}", s.handleMigrationPost)
			r.Get("/settings/data", s.handleDataPage)
			r.Get("/settings/data/archive.zip", s.handleExportArchive)
			r.Get("/settings/data/csv/{kind}", s.handleExportCSV)
			r.Post("/settings/data/import", s.handleImport)
		})
	})

	// OAuth: app registration, the consent page, tokens (oauth.go), and
	// the owner's own applications (settings_apps.go). The API checks
	// tokens with apiAuth and requireScope.
	r.Group(func(r chi.Router) {
		r.Use(oauthCORS)
		r.Get("/.well-known/oauth-authorization-server", s.handleOAuthMetadata)
		r.Post("/api/v1/apps", s.handleCreateApp(newRateLimiter(appsBurst, appsRefill, s.opts.Now)))
		r.With(s.apiAuth, s.requireToken()).Get("/api/v1/apps/verify_credentials", s.handleVerifyApp)
		r.Post("/oauth/token", s.handleToken)
		r.Post("/oauth/revoke", s.handleRevoke)
		for _, path := range []string{"/api/v1/apps", "/api/v1/apps/verify_credentials", "/oauth/token", "/oauth/revoke"} {
			r.Options(path, http.NotFound) // oauthCORS answers preflights
		}
	})
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/oauth/authorize", s.handleAuthorize)
		r.Post("/oauth/authorize", s.handleAuthorizeDecision)
		r.Get("/settings/applications", s.handleApps)
		r.Post("/settings/applications", s.handleCreateOwnApp)
		r.Post("/settings/applications/revoke", s.handleRevokeApp)
	})

	// Owner pages: any account and its buttons, follows, follow
	// requests, blocks and mutes, and the settings (web_accounts.go,
	// web_relationships.go, web_blocks.go, web_interaction.go,
	// settings_profile.go, settings_password.go, settings_apps.go).
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/accounts/{id}", s.handleWebAccount)
		r.Post("/accounts/{id}/{action}", s.handleWebAccountAction)
		r.Get("/follow", s.handleFollowForm)
		r.Post("/follow", s.handleFollowByHandle)
		r.Get("/follow_requests", s.handleFollowRequestsPage)
		r.Get("/relationships", s.handleRelationshipsPage)
		r.Get("/blocks", s.handleBlocksPage)
		r.Post("/blocks/domains", s.handleDomainBlockForm)
		r.Get("/authorize_interaction", s.handleAuthorizeInteraction)
		r.Get("/settings", s.handleSettings)
		r.Get("/settings/profile", s.handleProfileForm)
		r.Post("/settings/profile", s.handleSaveProfile)
		r.Get("/settings/password", s.handlePasswordForm)
		r.Post("/settings/password", s.handleChangePassword)
		// settings_2fa.go, settings_passkeys.go
		r.Get("/settings/2fa", s.handleTwoFactor)
		r.Get("/settings/2fa/totp", s.handleTOTPSetup)
		r.Get("/settings/2fa/totp/qr.png", s.handleTOTPQRCode)
		r.Post("/settings/2fa/totp", s.handleTOTPConfirm)
		r.Post("/settings/2fa/totp/disable", s.handleTOTPDisable)
		r.Post("/settings/2fa/recovery", s.handleRecoveryCodes)
		r.Post("/settings/2fa/passkeys/begin", s.handlePasskeyRegisterBegin)
		r.Post("/settings/2fa/passkeys/finish", s.handlePasskeyRegisterFinish)
		r.Post("/settings/2fa/passkeys/{id}/remove", s.handlePasskeyRemove)
		r.Get("/settings/applications/{id}", s.handleApp)
		r.Post("/settings/applications/{id}/token", s.handleRegenerateAppToken)
	})

	// Owner pages: timelines, notifications, threads, compose and the
	// buttons on posts (web_timelines.go, web_notifications.go,
	// web_thread.go, web_compose.go, web_status_actions.go), and their
	// live updates (web_events.go).
	r.Group(func(r chi.Router) {
		r.Use(s.loadSession, s.requireOwner)
		r.Get("/home", s.handleWebHome())
		r.Get("/home/events", s.handleWebEvents)
		r.Get("/all", s.handleWebAll())
		r.Get("/bookmarks", s.handleWebBookmarks())
		r.Get("/favourites", s.handleWebFavourites())
		r.Get("/notifications", s.handleWebNotifications)
		r.Get("/thread/{id}", s.handleWebThread)
		r.Get("/compose", s.handleComposeForm)
		r.Post("/compose", s.handleCompose(make(uploadSlots, 1)))
		r.Get("/statuses/{id}/delete", s.handleDeleteConfirm)
		r.Post("/statuses/{id}", s.handleWebStatusAction)
		r.Post("/statuses/{id}/{action}", s.handleWebStatusAction)
	})

	// Mastodon API: accounts and statuses (api_accounts*.go,
	// api_statuses*.go). Reads Mastodon serves without a token use
	// publicOrScope; the rest need an owner token with the scope.
	r.Get("/media/*", s.handleMediaFile)
	r.Get("/media/remote/{mac}/{src}", s.handleRemoteMedia)
	r.Group(func(r chi.Router) {
		r.Use(s.apiAuth)
		pub := func(scope string) func(http.Handler) http.Handler { return s.publicOrScope(scope) }
		owner := func(scopes ...string) func(http.Handler) http.Handler { return s.requireScope(scopes...) }

		r.With(owner("read:accounts", "profile")).Get("/api/v1/accounts/verify_credentials", s.handleVerifyCredentials)
		r.With(owner("write:accounts")).Patch("/api/v1/accounts/update_credentials", s.handleUpdateCredentials)
		r.With(owner("read:follows")).Get("/api/v1/accounts/relationships", s.handleRelationships)
		r.With(owner("read:follows")).Get("/api/v1/accounts/familiar_followers", s.handleFamiliarFollowers)
		r.With(owner("read:accounts")).Get("/api/v1/accounts/search", s.handleAccountSearch)
		r.With(pub("read:accounts")).Get("/api/v1/accounts/lookup", s.handleAccountLookup)
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}", s.handleAccount)
		r.With(pub("read:statuses")).Get("/api/v1/accounts/{id}/statuses", s.handleAccountStatuses)
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}/followers", s.handleAccountFollows("followers"))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}/following", s.handleAccountFollows("following"))
		r.With(pub("read:accounts")).Get("/api/v1/accounts/{id}/featured_tags", emptyList)
		r.With(owner("read:lists")).Get("/api/v1/accounts/{id}/lists", s.handleAccountLists)
		r.With(owner("write:follows")).Post("/api/v1/accounts/{id}/follow", s.handleAccountAction(s.follow))
		r.With(owner("write:follows")).Post("/api/v1/accounts/{id}/unfollow", s.handleAccountAction(s.unfollow))
		r.With(owner("write:follows")).Post("/api/v1/accounts/{id}/remove_from_followers", s.handleAccountAction(s.removeFromFollowers))
		r.With(owner("write:blocks")).Post("/api/v1/accounts/{id}/block", s.handleAccountAction(s.block))
		r.With(owner("write:blocks")).Post("/api/v1/accounts/{id}/unblock", s.handleAccountAction(s.unblock))
		r.With(owner("write:mutes")).Post("/api/v1/accounts/{id}/mute", s.handleAccountAction(s.mute))
		r.With(owner("write:mutes")).Post("/api/v1/accounts/{id}/unmute", s.handleAccountAction(s.unmute))
		r.With(owner("write:accounts")).Post("/api/v1/accounts/{id}/note", s.handleAccountAction(s.setNote))
		r.With(owner("write:accounts")).Post("/api/v1/accounts/{id}/pin", s.handleAccountAction(s.endorse))
		r.With(owner("write:accounts")).Post("/api/v1/accounts/{id}/unpin", s.handleAccountAction(s.unendorse))

		r.With(owner("write:statuses")).Post("/api/v1/statuses", s.handleCreateStatus)
		r.With(pub("read:statuses")).Get("/api/v1/statuses", s.handleStatuses)
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}", s.handleStatus)
		r.With(owner("write:statuses")).Delete("/api/v1/statuses/{id}", s.handleDeleteStatus)
		r.With(owner("write:statuses")).Put("/api/v1/statuses/{id}", s.handleEditStatus)
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}/history", s.handleStatusHistory)
		r.With(owner("read:statuses")).Get("/api/v1/statuses/{id}/source", s.handleStatusSource)
		r.With(pub("read:statuses")).Get("/api/v1/statuses/{id}/context", s.handleStatusContext)
		r.With(pub("read:accounts")).Get("/api/v1/statuses/{id}/favourited_by", s.handleFavouritedBy)
		r.With(pub("read:accounts")).Get("/api/v1/statuses/{id}/reblogged_by", s.handleRebloggedBy)
		r.With(owner("write:favourites")).Post("/api/v1/statuses/{id}/favourite", s.handleStatusAction(s.favourite))
		r.With(owner("write:favourites")).Post("/api/v1/statuses/{id}/unfavourite", s.handleStatusAction(s.unfavourite))
		r.With(owner("write:statuses")).Post("/api/v1/statuses/{id}/reblog", s.handleReblog)
		r.With(owner("write:statuses")).Post("/api/v1/statuses/{id}/unreblog", s.handleStatusAction(s.unreblog))
		r.With(owner("write:bookmarks")).Post("/api/v1/statuses/{id}/bookmark", s.handleStatusAction(s.bookmark))
		r.With(owner("write:bookmarks")).Post("/api/v1/statuses/{id}/unbookmark", s.handleStatusAction(s.unbookmark))
		r.With(owner("write:accounts")).Post("/api/v1/statuses/{id}/pin", s.handleStatusAction(s.pinStatus))
		r.With(owner("write:accounts")).Post("/api/v1/statuses/{id}/unpin", s.handleStatusAction(s.unpinStatus))
		r.With(owner("write:mutes")).Post("/api/v1/statuses/{id}/mute", s.handleStatusAction(s.muteConversation))
		r.With(owner("write:mutes")).Post("/api/v1/statuses/{id}/unmute", s.handleStatusAction(s.unmuteConversation))
		r.With(pub("read:statuses")).Get("/api/v1/polls/{id}", s.handlePoll)
		r.With(owner("write:statuses")).Post("/api/v1/polls/{id}/votes", s.handlePollVote)
	})

	// Mastodon API: instance, timelines, notifications, search, lists,
	// filters, markers, tags, follow requests, blocks and mutes, scheduled
	// posts, reports, push and media (api_instance.go, api_timelines.go,
	// api_notifications.go, api_search.go, api_lists.go, api_filters.go,
	// api_misc.go, api_media.go). Lists kith does not fill answer [].
	r.Group(func(r chi.Router) {
		r.Use(s.apiAuth)
		pub := func(scope string) func(http.Handler) http.Handler { return s.publicOrScope(scope) }
		owner := func(scopes ...string) func(http.Handler) http.Handler { return s.requireScope(scopes...) }

		r.Get("/api/v1/instance", s.handleInstanceV1)
		r.Get("/api/v2/instance", s.handleInstanceV2)
		r.Get("/api/v1/instance/peers", s.handleInstancePeers)
		r.Get("/api/v1/instance/activity", emptyList)
		r.Get("/api/v1/instance/rules", emptyList)
		r.Get("/api/v1/instance/extended_description", s.handleExtendedDescription)
		r.Get("/api/v1/custom_emojis", emptyList)
		r.Get("/api/v1/directory", emptyList)
		for _, path := range []string{"/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"} {
			r.Get(path, emptyList)
		}
		r.With(owner("read")).Get("/api/v1/announcements", emptyList)
		r.With(owner("read")).Get("/api/v1/suggestions", emptyList)
		r.With(owner("read")).Get("/api/v2/suggestions", emptyList)
		r.With(owner("read:accounts")).Get("/api/v1/featured_tags", emptyList)
		r.With(owner("read:accounts")).Get("/api/v1/featured_tags/suggestions", emptyList)
		r.With(owner("read:accounts")).Get("/api/v1/preferences", s.handlePreferences)

		r.With(owner("read:statuses")).Get("/api/v1/timelines/home", s.handleHomeTimeline)
		r.With(pub("read:statuses")).Get("/api/v1/timelines/public", s.handlePublicTimeline)
		r.With(pub("read:statuses")).Get("/api/v1/timelines/tag/{hashtag}", s.handleTagTimeline)
		r.With(owner("read:lists")).Get("/api/v1/timelines/list/{id}", s.handleListTimeline)
		r.With(owner("read:favourites")).Get("/api/v1/favourites", s.handleFavourites)
		r.With(owner("read:bookmarks")).Get("/api/v1/bookmarks", s.handleBookmarks)
		r.With(owner("read:statuses")).Get("/api/v1/conversations", emptyList)
		r.With(owner("read:accounts")).Get("/api/v1/endorsements", s.handleEndorsements)

		r.With(owner("read:notifications")).Get("/api/v1/notifications", s.handleNotifications)
		r.With(owner("read:notifications")).Get("/api/v1/notifications/unread_count", s.handleUnreadCount)
		r.With(owner("read:notifications")).Get("/api/v1/notifications/requests", emptyList)
		r.With(owner("write:notifications")).Post("/api/v1/notifications/clear", s.handleClearNotifications)
		r.With(owner("read:notifications")).Get("/api/v1/notifications/{id}", s.handleNotification)
		r.With(owner("write:notifications")).Post("/api/v1/notifications/{id}/dismiss", s.handleDismissNotification)
		r.With(owner("read:notifications")).Get("/api/v2/notifications", s.handleGroupedNotifications)
		r.With(owner("read:notifications")).Get("/api/v2/notifications/unread_count", s.handleUnreadCount)
		r.With(owner("read:notifications")).Get("/api/v2/notifications/policy", s.handleNotificationPolicy)
		r.With(owner("write:notifications")).Patch("/api/v2/notifications/policy", s.handleNotificationPolicy)
		r.With(owner("read:notifications")).Get("/api/v2/notifications/{id}", s.handleNotificationGroup)
		r.With(owner("read:notifications")).Get("/api/v2/notifications/{id}/accounts", s.handleNotificationGroupAccounts)
		r.With(owner("write:notifications")).Post("/api/v2/notifications/{id}/dismiss", s.handleDismissNotification)

		r.With(pub("read:search")).Get("/api/v2/search", s.handleSearch)
		r.With(pub("read:search")).Get("/api/v1/search", s.handleSearch)
		r.With(pub("read")).Get("/api/v1/tags/{name}", s.handleTag)
		r.With(owner("write:follows")).Post("/api/v1/tags/{name}/follow", s.handleFollowTag(true))
		r.With(owner("write:follows")).Post("/api/v1/tags/{name}/unfollow", s.handleFollowTag(false))
		r.With(owner("read:follows")).Get("/api/v1/followed_tags", s.handleFollowedTags)

		r.With(owner("read:lists")).Get("/api/v1/lists", s.handleLists)
		r.With(owner("write:lists")).Post("/api/v1/lists", s.handleCreateList)
		r.With(owner("read:lists")).Get("/api/v1/lists/{id}", s.handleList)
		r.With(owner("write:lists")).Put("/api/v1/lists/{id}", s.handleUpdateList)
		r.With(owner("write:lists")).Delete("/api/v1/lists/{id}", s.handleDeleteList)
		r.With(owner("read:lists")).Get("/api/v1/lists/{id}/accounts", s.handleListAccounts)
		r.With(owner("write:lists")).Post("/api/v1/lists/{id}/accounts", s.handleAddListAccounts)
		r.With(owner("write:lists")).Delete("/api/v1/lists/{id}/accounts", s.handleRemoveListAccounts)

		r.With(owner("read:filters")).Get("/api/v2/filters", s.handleFilters)
		r.With(owner("write:filters"), s.announceFiltersChanged).Post("/api/v2/filters", s.handleCreateFilter)
		r.With(owner("read:filters")).Get("/api/v2/filters/keywords/{id}", s.handleFilterKeyword)
		r.With(owner("write:filters"), s.announceFiltersChanged).Put("/api/v2/filters/keywords/{id}", s.handleUpdateFilterKeyword)
		r.With(owner("write:filters"), s.announceFiltersChanged).Delete("/api/v2/filters/keywords/{id}", s.handleDeleteFilterKeyword)
		r.With(owner("read:filters")).Get("/api/v2/filters/statuses/{id}", s.handleFilterStatus)
		r.With(owner("write:filters"), s.announceFiltersChanged).Delete("/api/v2/filters/statuses/{id}", s.handleDeleteFilterStatus)
		r.With(owner("read:filters")).Get("/api/v2/filters/{id}", s.handleFilter)
		r.With(owner("write:filters"), s.announceFiltersChanged).Put("/api/v2/filters/{id}", s.handleUpdateFilter)
		r.With(owner("write:filters"), s.announceFiltersChanged).Delete("/api/v2/filters/{id}", s.handleDeleteFilter)
		r.With(owner("read:filters")).Get("/api/v2/filters/{id}/keywords", s.handleFilterKeywords)
		r.With(owner("write:filters"), s.announceFiltersChanged).Post("/api/v2/filters/{id}/keywords", s.handleAddFilterKeyword)
		r.With(owner("read:filters")).Get("/api/v2/filters/{id}/statuses", s.handleFilterStatuses)
		r.With(owner("write:filters"), s.announceFiltersChanged).Post("/api/v2/filters/{id}/statuses", s.handleAddFilterStatus)
		r.With(owner("read:filters")).Get("/api/v1/filters", s.handleFiltersV1)
		r.With(owner("write:filters"), s.announceFiltersChanged).Post("/api/v1/filters", s.handleCreateFilterV1)
		r.With(owner("read:filters")).Get("/api/v1/filters/{id}", s.handleFilterV1)
		r.With(owner("write:filters"), s.announceFiltersChanged).Put("/api/v1/filters/{id}", s.handleUpdateFilterV1)
		r.With(owner("write:filters"), s.announceFiltersChanged).Delete("/api/v1/filters/{id}", s.handleDeleteFilterV1)

		r.With(owner("read:statuses")).Get("/api/v1/markers", s.handleMarkers)
		r.With(owner("write:statuses")).Post("/api/v1/markers", s.handleSaveMarkers)
		r.With(owner("read:follows")).Get("/api/v1/follow_requests", s.handleFollowRequests)
		r.With(owner("write:follows")).Post("/api/v1/follow_requests/{id}/authorize", s.handleAnswerFollowRequest(true))
		r.With(owner("write:follows")).Post("/api/v1/follow_requests/{id}/reject", s.handleAnswerFollowRequest(false))
		r.With(owner("read:blocks")).Get("/api/v1/blocks", s.handleBlocks)
		r.With(owner("read:mutes")).Get("/api/v1/mutes", s.handleMutes)
		r.With(owner("read:blocks")).Get("/api/v1/domain_blocks", s.handleDomainBlocks)
		r.With(owner("write:blocks")).Post("/api/v1/domain_blocks", s.handleDomainBlock(true))
		r.With(owner("write:blocks")).Delete("/api/v1/domain_blocks", s.handleDomainBlock(false))
		r.With(owner("read:statuses")).Get("/api/v1/scheduled_statuses", s.handleScheduledStatuses)
		r.With(owner("read:statuses")).Get("/api/v1/scheduled_statuses/{id}", s.handleScheduledStatus)
		r.With(owner("write:statuses")).Put("/api/v1/scheduled_statuses/{id}", s.handleReschedule)
		r.With(owner("write:statuses")).Delete("/api/v1/scheduled_statuses/{id}", s.handleCancelScheduled)
		r.With(owner("write:reports")).Post("/api/v1/reports", s.handleCreateReport)
		r.With(owner("push")).Post("/api/v1/push/subscription", s.handleCreatePush)
		r.With(owner("push")).Get("/api/v1/push/subscription", s.handlePush)
		r.With(owner("push")).Put("/api/v1/push/subscription", s.handleUpdatePush)
		r.With(owner("push")).Delete("/api/v1/push/subscription", s.handleDeletePush)

		upload := s.handleUploadMedia(make(uploadSlots, 1))
		r.With(owner("write:media")).Post("/api/v1/media", upload)
		r.With(owner("write:media")).Post("/api/v2/media", upload)
		r.With(owner("write:media")).Get("/api/v1/media/{id}", s.handleGetMedia)
		r.With(owner("write:media")).Put("/api/v1/media/{id}", s.handleUpdateMedia)
	})

	// Streaming API (streaming.go): one multiplexed WebSocket and one
	// server-sent-events URL per stream (user:notification is
	// /user/notification). The token may come as Sec-WebSocket-Protocol;
	// scopes are checked per stream, since a WebSocket carries several.
	r.Get("/api/v1/streaming/health", handleStreamingHealth)
	r.Group(func(r chi.Router) {
		r.Use(wsProtocolToken, s.apiAuth)
		r.Get("/api/v1/streaming", s.handleStreaming)
		r.Get("/api/v1/streaming/", s.handleStreaming)
		for path, stream := range sseStreamPaths() {
			r.Get(path, s.handleStreamingEvents(stream))
		}
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			apiError(w, http.StatusNotFound, "Record not found")
			return
		}
		s.renderError(w, r, &userError{http.StatusNotFound, "There is nothing here."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, &userError{http.StatusMethodNotAllowed, "That page does not accept this kind of request."})
	})
	return r
}
