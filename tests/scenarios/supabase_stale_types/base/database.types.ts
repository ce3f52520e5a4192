export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  public: {
    Tables: {
      profiles: {
        Row: {
          bio: string | null
          id: string
          username: string
        }
        Insert: {
          bio?: string | null
          id: string
          username: string
        }
        Update: {
          bio?: string | null
          id?: string
          username?: string
        }
        Relationships: []
      }
    }
    Views: {
      [_ in never]: never
    }
  }
}
