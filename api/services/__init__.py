"""Services: what a route asks for, composed from repositories inside the route's transaction."""
